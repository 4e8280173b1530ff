"""Providers of supplementary education, their staff, invitations and moderation history.

These models came from catalog with their tables (`Meta.db_table`; see migration 0001).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ProviderKind(models.TextChoices):
    ORGANIZATION = "organization", "Организация"
    ENTREPRENEUR = "entrepreneur", "Индивидуальный предприниматель"


class ProviderStatus(models.TextChoices):
    MODERATING = "moderating", "На модерации"
    APPROVED = "approved", "Допущен"
    REJECTED = "rejected", "Отклонён"
    BLOCKED = "blocked", "Заблокирован"


class Provider(models.Model):
    """An organisation or individual entrepreneur that runs programs."""

    kind = models.CharField("вид", max_length=20, choices=ProviderKind.choices)
    full_name = models.CharField("полное наименование", max_length=500)
    short_name = models.CharField("краткое наименование", max_length=200)
    inn = models.CharField("ИНН", max_length=12, unique=True)
    ogrn = models.CharField("ОГРН / ОГРНИП", max_length=15, unique=True)
    # An organisation's КПП goes on its invoices and on the payment orders that pay it; an
    # entrepreneur has none.
    kpp = models.CharField("КПП", max_length=9, blank=True)
    license_number = models.CharField("номер лицензии", max_length=100, blank=True)
    address = models.CharField("адрес", max_length=500)
    municipality = models.ForeignKey(
        "common.Municipality",
        verbose_name="муниципалитет",
        on_delete=models.PROTECT,
        related_name="providers",
    )
    phone = models.CharField("телефон", max_length=20, blank=True)
    email = models.EmailField("электронная почта", blank=True)
    website = models.URLField("сайт", blank=True)
    # Bank details for payments under invoices; blank for providers entered before they were asked.
    bank_name = models.CharField("банк", max_length=300, blank=True)
    bik = models.CharField("БИК", max_length=9, blank=True)
    settlement_account = models.CharField("расчётный счёт", max_length=20, blank=True)
    correspondent_account = models.CharField("корреспондентский счёт", max_length=20, blank=True)
    status = models.CharField(
        "статус", max_length=20, choices=ProviderStatus.choices, default=ProviderStatus.MODERATING
    )
    created_at = models.DateTimeField("создан", auto_now_add=True)

    class Meta:
        db_table = "catalog_provider"
        verbose_name = "поставщик"
        verbose_name_plural = "поставщики"
        ordering = ["short_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(inn__regex=r"^([0-9]{10}|[0-9]{12})$"), name="provider_inn_digits"
            ),
            models.CheckConstraint(
                condition=Q(ogrn__regex=r"^([0-9]{13}|[0-9]{15})$"), name="provider_ogrn_digits"
            ),
            models.CheckConstraint(
                condition=Q(bik="") | Q(bik__regex=r"^[0-9]{9}$"), name="provider_bik_digits"
            ),
            models.CheckConstraint(
                condition=Q(settlement_account="") | Q(settlement_account__regex=r"^[0-9]{20}$"),
                name="provider_settlement_account_digits",
            ),
            models.CheckConstraint(
                condition=Q(correspondent_account="")
                | Q(correspondent_account__regex=r"^[0-9]{20}$"),
                name="provider_correspondent_account_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.short_name


class ProviderModerationEvent(models.Model):
    """One step of a provider's moderation: who moved it from which status to which, and why."""

    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        related_name="moderation_events",
        verbose_name="поставщик",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField("было", max_length=20, choices=ProviderStatus.choices)
    to_status = models.CharField("стало", max_length=20, choices=ProviderStatus.choices)
    remarks = models.TextField("причина, замечания", blank=True)
    at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        db_table = "catalog_providermoderationevent"
        verbose_name = "решение по поставщику"
        verbose_name_plural = "история проверки поставщиков"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.provider}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class StaffRole(models.TextChoices):
    ADMIN = "admin", "Администратор"
    TEACHER = "teacher", "Педагог"


class ProviderStaff(models.Model):
    """A user working for a provider, as its administrator or as a teacher."""

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="staff", verbose_name="поставщик"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="provider_roles",
        verbose_name="пользователь",
    )
    role = models.CharField("роль", max_length=20, choices=StaffRole.choices)

    class Meta:
        db_table = "catalog_providerstaff"
        verbose_name = "сотрудник поставщика"
        verbose_name_plural = "сотрудники поставщиков"
        constraints = [
            models.UniqueConstraint(fields=["provider", "user"], name="provider_staff_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.provider})"


class StaffInvitation(models.Model):
    """An invitation to work for a provider, sent by e-mail as a signed link; used once."""

    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="invitations", verbose_name="поставщик"
    )
    email = models.EmailField("электронная почта")
    role = models.CharField("роль", max_length=20, choices=StaffRole.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="пригласил",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
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
        db_table = "catalog_staffinvitation"
        verbose_name = "приглашение сотрудника"
        verbose_name_plural = "приглашения сотрудников"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.provider} ({self.get_role_display()})"
