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

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="guardianships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships"
    )
    is_primary = models.BooleanField("добавил ребёнка", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

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
