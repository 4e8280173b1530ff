from django.conf import settings
from django.db import models
from django.db.models import F, Q

from kruzhok.certificates.models import BillingRegime


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
        "families.Child",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name="ребёнок",
    )
    group = models.ForeignKey(
        "catalog.Group",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name="группа",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name="заявитель",
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
        verbose_name="кем изменён статус",
    )
    reason = models.TextField("причина", blank=True)
    offer_expires_at = models.DateTimeField("оферта действует до", null=True, blank=True)
    # The provider answers within three working days of the Russian calendar; stored as a date
    # so that the queue can filter overdue applications in SQL.
    decide_by = models.DateField("рассмотреть до", null=True, blank=True)

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
            # The parent is always told why: a refusal without a reason cannot be stored.
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.REJECTED) | ~Q(reason=""),
                name="application_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.ACCEPTED) | Q(offer_expires_at__isnull=False),
                name="application_accepted_has_offer_deadline",
            ),
        ]
        indexes = [models.Index(fields=["group", "status", "created_at"])]

    def __str__(self) -> str:
        return f"Заявка №{self.pk}: {self.child} → {self.group}"


class Contract(models.Model):
    """Договор об образовании (offer form), concluded when the parent accepts the offer."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="contract", verbose_name="заявка"
    )
    number = models.CharField("номер", max_length=30, unique=True)
    certificate = models.ForeignKey(
        "certificates.Certificate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name="сертификат",
    )
    hold = models.OneToOneField(
        "certificates.Hold",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contract",
        verbose_name="резерв",
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
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="кем принята оферта",
    )
    accepted_ip = models.GenericIPAddressField("IP-адрес акцепта", null=True, blank=True)
    accepted_user_agent = models.CharField("браузер", max_length=300, blank=True)
    terminated_on = models.DateField("расторгнут с", null=True, blank=True)
    billing_regime = models.CharField(
        "порядок оплаты",
        max_length=20,
        choices=BillingRegime.choices,
        default=BillingRegime.PER_LESSON,
        help_text="из программы финансирования на день заключения договора",
    )

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
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="contract_dates_ordered"
            ),
        ]
        indexes = [
            # A month close looks for the monthly contracts of a municipality's certificates
            # (few or none where the regime is per lesson): found here, not among them all.
            models.Index(
                fields=["certificate"],
                condition=Q(billing_regime=BillingRegime.MONTHLY),
                name="contract_monthly_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Договор № {self.number}"


class EnrollmentWindow(models.Model):
    """When enrolment into a program (all its groups) or one group is open.

    A group's own window wins over its program's; without any window the group's manual switch
    `Group.enrollment_open` alone decides. Either end may be left open: no `opens_at` means
    "open already", no `closes_at` means "until the provider closes it".
    """

    program = models.ForeignKey(
        "catalog.Program",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="enrollment_windows",
        verbose_name="программа",
    )
    group = models.ForeignKey(
        "catalog.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="enrollment_windows",
        verbose_name="группа",
    )
    opens_at = models.DateTimeField("запись открывается", null=True, blank=True)
    closes_at = models.DateTimeField("запись закрывается", null=True, blank=True)
    changed_at = models.DateTimeField("изменено", auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="кем изменено",
    )

    class Meta:
        verbose_name = "период записи"
        verbose_name_plural = "периоды записи"
        constraints = [
            models.CheckConstraint(
                condition=Q(program__isnull=True, group__isnull=False)
                | Q(program__isnull=False, group__isnull=True),
                name="enrollment_window_one_target",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=F("opens_at")),
                name="enrollment_window_ordered",
            ),
            models.UniqueConstraint(
                fields=["program"],
                condition=Q(program__isnull=False),
                name="enrollment_window_one_per_program",
            ),
            models.UniqueConstraint(
                fields=["group"],
                condition=Q(group__isnull=False),
                name="enrollment_window_one_per_group",
            ),
        ]

    def __str__(self) -> str:
        target = self.group or self.program
        return f"Запись: {target}"


class Charge(models.Model):
    """What one attended lesson costs under a contract, split into certificate and parent parts.

    A charge is never edited: un-marking attendance reverses it (`reversed_at` and the ledger's
    reversing transfer) and a new mark makes a new charge. `billed_month` is the month whose
    invoice bills it: the lesson's own month, or — for a mark made after that month was closed —
    the next open month, as a correction. A charge reversed after its month was billed is
    billed back, as a correction too, in `reversal_billed_month`.
    """

    contract = models.ForeignKey(
        "enrollment.Contract",
        on_delete=models.PROTECT,
        related_name="charges",
        verbose_name="договор",
    )
    lesson = models.ForeignKey(
        "catalog.Lesson",
        on_delete=models.PROTECT,
        related_name="charges",
        null=True,
        blank=True,
        help_text="занятие — при оплате за посещённые занятия",
        verbose_name="занятие",
    )
    month = models.DateField(
        "месяц обучения",
        null=True,
        blank=True,
        help_text="первое число месяца — при помесячной оплате",
    )
    lesson_value = models.BigIntegerField("стоимость, коп.")
    certificate_amount = models.BigIntegerField("за счёт сертификата, коп.")
    parent_amount = models.BigIntegerField("доплата родителя, коп.")
    transfer = models.OneToOneField(
        "certificates.Transfer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charge",
        verbose_name="проводка",
    )
    reversal = models.OneToOneField(
        "certificates.Transfer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_charge",
        verbose_name="сторно",
    )
    # Stored, not read through the lesson: the month close groups a region's charges by it
    # without joining millions of lessons (make bench-billing).
    for_month = models.DateField(
        "месяц занятия", help_text="первое число месяца занятия или оплаченного месяца"
    )
    billed_month = models.DateField("месяц счёта", help_text="первое число месяца")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="начислено")
    reversed_at = models.DateTimeField(null=True, blank=True, verbose_name="отменено")
    reversal_billed_month = models.DateField(
        "месяц корректировки отмены",
        null=True,
        blank=True,
        help_text="отмена начисления из закрытого месяца входит в счёт этого месяца",
    )

    class Meta:
        # The table keeps the name it was created with in billing (see migration 0003).
        db_table = "billing_charge"
        verbose_name = "начисление"
        verbose_name_plural = "начисления"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "lesson"],
                condition=Q(reversed_at__isnull=True),
                name="charge_one_active_per_lesson",
            ),
            models.UniqueConstraint(
                fields=["contract", "month"],
                condition=Q(reversed_at__isnull=True, month__isnull=False),
                name="charge_one_active_per_month",
            ),
            models.CheckConstraint(
                condition=Q(lesson__isnull=False, month__isnull=True)
                | Q(lesson__isnull=True, month__isnull=False, month__day=1),
                name="charge_for_a_lesson_or_a_month",
            ),
            models.CheckConstraint(
                condition=Q(certificate_amount__gte=0, parent_amount__gte=0)
                & Q(lesson_value=F("certificate_amount") + F("parent_amount")),
                name="charge_parts_sum_to_value",
            ),
            models.CheckConstraint(
                condition=Q(billed_month__day=1)
                & (Q(reversal_billed_month__isnull=True) | Q(reversal_billed_month__day=1)),
                name="charge_billed_months_are_first_days",
            ),
            # A charge is billed in its own month, or later as a correction; a month paid as a
            # whole is the month it is for.
            models.CheckConstraint(
                condition=Q(for_month__day=1, billed_month__gte=F("for_month"))
                & (Q(month__isnull=True) | Q(for_month=F("month"))),
                name="charge_for_month_first_day_not_after_billing",
            ),
            models.CheckConstraint(
                condition=Q(reversal_billed_month__isnull=True) | Q(reversed_at__isnull=False),
                name="charge_reversal_billed_only_when_reversed",
            ),
        ]
        indexes = [
            models.Index(fields=["billed_month"], name="charge_billed_month_idx"),
            # The month close looks up, contract by contract, the few reversals to bill back
            # in a month (`billing.close_sql.lines_build`).
            models.Index(
                fields=["reversal_billed_month", "contract"],
                condition=Q(reversal_billed_month__isnull=False),
                name="charge_reversal_billed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract}: {self.lesson or f'{self.month:%m.%Y}'}"

    @property
    def is_correction(self) -> bool:
        return self.billed_month != self.for_month
