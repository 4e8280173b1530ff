import datetime

from django.conf import settings
from django.db import models

from kruzhok.common.validators import format_snils


def initials_name(last_name: str, first_name: str, patronymic: str) -> str:
    """«Иванов П. С.»: a surname with initials, what a provider's invoice may show."""
    initials = " ".join(f"{p[0]}." for p in (first_name, patronymic) if p)
    return f"{last_name} {initials}".strip()


class Child(models.Model):
    """A child, identified by СНИЛС: one child, one record, whoever the guardians are."""

    last_name = models.CharField("фамилия", max_length=100)
    first_name = models.CharField("имя", max_length=100)
    patronymic = models.CharField("отчество", max_length=100, blank=True)
    birth_date = models.DateField("дата рождения")
    snils = models.CharField("СНИЛС", max_length=11, unique=True)
    municipality = models.ForeignKey(
        "common.Municipality",
        verbose_name="муниципалитет",
        on_delete=models.PROTECT,
        related_name="children",
    )
    guardians = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Guardianship",
        related_name="children",
        verbose_name="законные представители",
    )
    created_at = models.DateTimeField("добавлен", auto_now_add=True)

    class Meta:
        verbose_name = "ребёнок"
        verbose_name_plural = "дети"
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(snils__regex=r"^[0-9]{11}$"), name="child_snils_11_digits"
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    @property
    def initials_name(self) -> str:
        """«Иванов П. С.»: what a provider's invoice may show."""
        return initials_name(self.last_name, self.first_name, self.patronymic)

    @property
    def snils_display(self) -> str:
        return format_snils(self.snils)

    @property
    def snils_masked(self) -> str:
        """`•••-•••-•45 95`: enough to tell one's children apart on a shared screen."""
        shown = format_snils(self.snils)
        hidden = len(shown) - 5  # the last four digits and the space between them
        return "".join("•" if ch.isdigit() else ch for ch in shown[:hidden]) + shown[hidden:]

    def age_on(self, day: datetime.date) -> int:
        """Full years on the given day."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class Guardianship(models.Model):
    """A parent or guardian of a child; the first one added the child."""

    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="guardianships", verbose_name="ребёнок"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="guardianships",
        verbose_name="законный представитель",
    )
    is_primary = models.BooleanField("добавил ребёнка", default=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="добавлен")

    class Meta:
        verbose_name = "законный представитель"
        verbose_name_plural = "законные представители"
        constraints = [
            models.UniqueConstraint(fields=["child", "user"], name="guardianship_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.child}"


class DataDeletionRequest(models.Model):
    """A parent's request to delete the family's personal data (152-ФЗ, ст. 21).

    The family's financial records (contracts, certificate operations, invoices) are kept for
    their legal term, so the personal data in them — the parent's and the children's — is
    anonymised once that term is over (`anonymise_after`); with no financial records, at
    once. The rows stay: the records keep pointing at an anonymised person.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="deletion_requests",
        verbose_name="кто просит",
    )
    requested_at = models.DateTimeField("запрошено", auto_now_add=True)
    anonymise_after = models.DateField("обезличить не раньше")
    anonymised_at = models.DateTimeField("обезличено", null=True, blank=True)

    class Meta:
        verbose_name = "запрос на удаление данных"
        verbose_name_plural = "запросы на удаление данных"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(anonymised_at=None),
                name="one_open_deletion_request_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.anonymise_after:%d.%m.%Y}"


class CalendarFeed(models.Model):
    """A guardian's private iCalendar feed of their children's lessons.

    Its address carries a random token that only its owner was shown; the row keeps the
    token's SHA-256 alone, so neither the database nor a copy of it opens anyone's calendar.
    A new feed replaces the old one, and revoking deletes the row: an old address answers
    404 from then on.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name="чей",
    )
    token_hash = models.CharField("SHA-256 ключа ссылки", max_length=64, unique=True)
    created_at = models.DateTimeField("создана", auto_now_add=True)

    class Meta:
        verbose_name = "ссылка на календарь занятий"
        verbose_name_plural = "ссылки на календари занятий"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(token_hash__regex=r"^[0-9a-f]{64}$"),
                name="calendar_feed_token_hash_hex",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.created_at:%d.%m.%Y}"


class GuardianInvitation(models.Model):
    """A guardian's invitation to a second parent or guardian of some of their children, sent
    by e-mail as a signed link; used once, revocable until then."""

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="пригласил",
        on_delete=models.CASCADE,
        related_name="guardian_invitations_sent",
    )
    email = models.EmailField("электронная почта")
    children = models.ManyToManyField(
        Child, related_name="guardian_invitations", verbose_name="дети"
    )
    created_at = models.DateTimeField("отправлено", auto_now_add=True)
    expires_at = models.DateTimeField("действует до")
    accepted_at = models.DateTimeField("принято", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто принял",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField("отозвано", null=True, blank=True)

    class Meta:
        verbose_name = "приглашение законного представителя"
        verbose_name_plural = "приглашения законных представителей"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="guardian_invitation_accepted_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inviter_id} → {self.email}"


class CorrectionField(models.TextChoices):
    SNILS = "snils", "СНИЛС"
    BIRTH_DATE = "birth_date", "дата рождения"


class CorrectionStatus(models.TextChoices):
    PENDING = "pending", "На рассмотрении"
    APPROVED = "approved", "Исправлено"
    REJECTED = "rejected", "Отклонено"


class ChildCorrection(models.Model):
    """A guardian's request to correct a child's СНИЛС or birth date, which the operator of
    the child's municipality approves or rejects. The row is the record of the change: who
    asked and why, who decided and when, the value before and after."""

    child = models.ForeignKey(
        Child, on_delete=models.PROTECT, related_name="corrections", verbose_name="ребёнок"
    )
    field = models.CharField("что исправить", max_length=20, choices=CorrectionField.choices)
    # СНИЛС as 11 digits, a date as YYYY-MM-DD: both fit, and both read back exactly.
    old_value = models.CharField("было", max_length=11)
    new_value = models.CharField("стало", max_length=11)
    reason = models.TextField("причина")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="кто попросил",
    )
    requested_at = models.DateTimeField("когда попросил", auto_now_add=True)
    status = models.CharField(
        "состояние",
        max_length=20,
        choices=CorrectionStatus.choices,
        default=CorrectionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="кто решил",
    )
    decided_at = models.DateTimeField("когда решено", null=True, blank=True)
    decision_note = models.TextField("ответ оператора", blank=True)

    class Meta:
        verbose_name = "исправление данных ребёнка"
        verbose_name_plural = "исправления данных детей"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "field"],
                condition=models.Q(status="pending"),
                name="child_correction_one_pending_per_field",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="child_correction_decided_when_not_pending",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="rejected") | ~models.Q(decision_note=""),
                name="child_correction_rejected_has_note",
            ),
            models.CheckConstraint(
                condition=~models.Q(old_value=models.F("new_value")),
                name="child_correction_changes_something",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.child_id}: {self.get_field_display()}"

    def _shown(self, value: str) -> str:
        if self.field == CorrectionField.SNILS:
            return format_snils(value)
        return datetime.date.fromisoformat(value).strftime("%d.%m.%Y")

    @property
    def old_display(self) -> str:
        return self._shown(self.old_value)

    @property
    def new_display(self) -> str:
        return self._shown(self.new_value)
