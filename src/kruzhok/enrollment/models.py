from django.conf import settings
from django.db import models
from django.db.models import F, Q


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "Подана"
    ACCEPTED = "accepted", "Принята, ждёт договора"
    CONTRACTED = "contracted", "Договор заключён"
    ACTIVE = "active", "Обучается"
    FINISHED = "finished", "Обучение завершено"
    WITHDRAWN = "withdrawn", "Отчислен"
    REJECTED = "rejected", "Отклонена"
    CANCELLED = "cancelled", "Отозвана"
    WAITLISTED = "waitlisted", "В листе ожидания"
    EXPIRED = "expired", "Срок оферты истёк"


# An application in one of these states holds (or waits for) a place in its group.
LIVE_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.CONTRACTED,
    ApplicationStatus.ACTIVE,
    ApplicationStatus.WAITLISTED,
)
# ...and in these it occupies a seat.
SEAT_STATUSES = (
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.CONTRACTED,
    ApplicationStatus.ACTIVE,
)


class Application(models.Model):
    """Заявка: a parent asks for a seat for a child in a group."""

    child = models.ForeignKey(
        "families.Child", on_delete=models.PROTECT, related_name="applications"
    )
    group = models.ForeignKey(
        "catalog.Group", on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(
        "состояние",
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    created_at = models.DateTimeField("подана", auto_now_add=True, db_index=True)
    status_changed_at = models.DateTimeField("состояние изменено", auto_now_add=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField("причина", blank=True)
    offer_expires_at = models.DateTimeField("оферта действует до", null=True, blank=True)

    class Meta:
        verbose_name = "заявка"
        verbose_name_plural = "заявки"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One live application per child and group, whatever the concurrency.
            models.UniqueConstraint(
                fields=["child", "group"],
                condition=Q(status__in=[s.value for s in LIVE_STATUSES]),
                name="application_one_live_per_child_group",
            ),
        ]
        indexes = [models.Index(fields=["group", "status", "created_at"])]

    def __str__(self) -> str:
        return f"Заявка №{self.pk}: {self.child} → {self.group}"


class Contract(models.Model):
    """Договор об образовании (offer form), concluded when the parent accepts the offer."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="contract"
    )
    number = models.CharField("номер", max_length=30, unique=True)
    certificate = models.ForeignKey(
        "certificates.Certificate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    hold = models.OneToOneField(
        "certificates.Hold",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract",
    )
    start_date = models.DateField("начало обучения по договору")
    end_date = models.DateField("окончание обучения по договору")
    price_per_hour = models.BigIntegerField("стоимость часа, коп.")
    total_hours = models.PositiveIntegerField("академических часов")
    total_cost = models.BigIntegerField("полная стоимость, коп.")
    certificate_part = models.BigIntegerField("оплачивается сертификатом, коп.")
    parent_part = models.BigIntegerField("доплата родителя, коп.")
    accepted_at = models.DateTimeField("оферта принята")
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    accepted_ip = models.GenericIPAddressField("IP-адрес акцепта", null=True, blank=True)
    accepted_user_agent = models.CharField("браузер", max_length=300, blank=True)
    terminated_on = models.DateField("расторгнут с", null=True, blank=True)

    class Meta:
        verbose_name = "договор"
        verbose_name_plural = "договоры"
        ordering = ["-accepted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(certificate_part__gte=0, parent_part__gte=0)
                & Q(total_cost=F("certificate_part") + F("parent_part")),
                name="contract_parts_sum_to_total",
            ),
        ]

    def __str__(self) -> str:
        return f"Договор № {self.number}"
