"""Certificates, financing programs and the double-entry ledger.

The ledger follows TigerBeetle's model: every account keeps four running totals
(debits/credits, pending/posted) updated in the same transaction as the append-only
transfer that moves them, and CHECK constraints make an overdraft impossible even for
a buggy caller. Only `certificates.ledger` writes these tables.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class BillingRegime(models.TextChoices):
    PER_LESSON = "per_lesson", "За каждое посещённое занятие"
    MONTHLY = "monthly", "Помесячно"


class CertificateReach(models.TextChoices):
    """With which providers a financing program's certificates may be used. Either way the
    child's home municipality pays: the certificate is funded from its program and budget,
    and the child counts in its coverage."""

    REGION = "region", "У любого поставщика региона"
    MUNICIPALITY = "municipality", "Только у поставщиков своего муниципалитета"


class FinancingProgram(models.Model):
    """Программа персонифицированного финансирования: a municipality's money rules for a period."""

    municipality = models.ForeignKey(
        "common.Municipality",
        verbose_name="муниципалитет",
        on_delete=models.PROTECT,
        related_name="financing_programs",
    )
    title = models.CharField("название", max_length=300)
    period_start = models.DateField("начало периода")
    period_end = models.DateField("окончание периода")
    max_funded_certificates = models.PositiveIntegerField("максимум сертификатов ПФ")
    funded_count = models.PositiveIntegerField("выдано сертификатов ПФ", default=0)
    budget_cap = models.BigIntegerField("объём средств, коп.")
    max_programs_per_child = models.PositiveSmallIntegerField(
        "программ по сертификату на ребёнка одновременно", default=3
    )
    billing_regime = models.CharField(
        "порядок оплаты",
        max_length=20,
        choices=BillingRegime.choices,
        default=BillingRegime.PER_LESSON,
    )
    advance_percent = models.PositiveSmallIntegerField(
        "аванс, % ожидаемых списаний месяца",
        default=0,
        help_text="0 — авансы не выплачиваются.",
    )
    certificate_reach = models.CharField(
        "где можно использовать сертификат",
        max_length=20,
        choices=CertificateReach.choices,
        default=CertificateReach.REGION,
        help_text="Оплачивает всегда муниципалитет ребёнка, у какого бы поставщика он ни учился.",
    )
    closed_at = models.DateTimeField("период закрыт", null=True, blank=True)

    class Meta:
        verbose_name = "программа персонифицированного финансирования"
        verbose_name_plural = "программы персонифицированного финансирования"
        ordering = ["municipality", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "period_start"], name="financing_program_unique_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")), name="financing_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(funded_count__lte=F("max_funded_certificates")),
                name="financing_quota_not_exceeded",
            ),
            models.CheckConstraint(condition=Q(budget_cap__gte=0), name="financing_budget_gte_0"),
            models.CheckConstraint(
                condition=Q(advance_percent__lte=100), name="financing_advance_percent_lte_100"
            ),
            models.CheckConstraint(
                condition=Q(certificate_reach__in=CertificateReach.values),
                name="financing_certificate_reach_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y})"

    def covers(self, day: datetime.date) -> bool:
        return self.period_start <= day <= self.period_end


class FinancingField(models.TextChoices):
    """What of a financing program the operator may change (`FinancingProgramChange.field`)."""

    TITLE = "title", "Название"
    PERIOD = "period", "Период"
    NOMINALS = "nominals", "Номиналы по возрасту"
    QUOTA = "max_funded_certificates", "Максимум сертификатов ПФ"
    BUDGET = "budget_cap", "Объём средств"
    PROGRAMS_PER_CHILD = "max_programs_per_child", "Программ по сертификату на ребёнка"
    BILLING_REGIME = "billing_regime", "Порядок оплаты"
    ADVANCE = "advance_percent", "Аванс, %"
    REACH = "certificate_reach", "Где можно использовать сертификат"


class FinancingProgramChange(models.Model):
    """One change of a financing program's rules: who, when, what, old → new, and from when.

    The values are written as a person reads them (money in rubles, bands as «5–13 лет:
    30 000,00 ₽»), so the history never needs the code that made it. A change effective
    later waits (`applied_at` empty) until `certificates.financing.financing_changes_apply`
    brings it in on its day; money already credited to certificates is never touched by
    either: a new nominal applies to certificates funded from the day it takes effect.
    """

    financing_program = models.ForeignKey(
        FinancingProgram,
        verbose_name="программа финансирования",
        on_delete=models.PROTECT,
        related_name="changes",
    )
    field = models.CharField("что изменено", max_length=30, choices=FinancingField.choices)
    old_value = models.TextField("было")
    new_value = models.TextField("стало")
    # The value in a machine form for applying it later: kopecks, a code, bands as lists.
    new_data = models.JSONField("новое значение (данные)")
    effective_from = models.DateField("действует с")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто изменил",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField("когда изменено", auto_now_add=True)
    applied_at = models.DateTimeField("вступило в силу", null=True, blank=True)

    class Meta:
        verbose_name = "изменение программы финансирования"
        verbose_name_plural = "изменения программ финансирования"
        ordering = ["-changed_at", "-pk"]
        indexes = [
            models.Index(
                fields=["effective_from"],
                condition=Q(applied_at__isnull=True),
                name="financing_change_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()}: {self.old_value} → {self.new_value}"


class NominalBand(models.Model):
    """The nominal for children of an age band (full years at the period start)."""

    financing_program = models.ForeignKey(
        FinancingProgram,
        on_delete=models.CASCADE,
        related_name="nominal_bands",
        verbose_name="программа финансирования",
    )
    age_min = models.PositiveSmallIntegerField("возраст от")
    age_max = models.PositiveSmallIntegerField("возраст до")
    nominal = models.BigIntegerField("номинал, коп.")

    class Meta:
        verbose_name = "номинал по возрасту"
        verbose_name_plural = "номиналы по возрасту"
        ordering = ["age_min"]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_min__lte=F("age_max"), nominal__gt=0), name="nominal_band_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.age_min}–{self.age_max} лет"


class CertificateStatus(models.TextChoices):
    ACCOUNTING = "accounting", "Сертификат учёта"
    FUNDED = "funded", "Сертификат персонифицированного финансирования"


class Certificate(models.Model):
    """One per child: a numbered electronic certificate, with its money in a ledger account."""

    child = models.OneToOneField(
        "families.Child",
        on_delete=models.PROTECT,
        related_name="certificate",
        verbose_name="ребёнок",
    )
    number = models.CharField("номер", max_length=11, unique=True)
    municipality = models.ForeignKey(
        "common.Municipality",
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name="муниципалитет",
    )
    status = models.CharField(
        "статус",
        max_length=20,
        choices=CertificateStatus.choices,
        default=CertificateStatus.ACCOUNTING,
    )
    financing_program = models.ForeignKey(
        FinancingProgram,
        verbose_name="программа финансирования",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    nominal = models.BigIntegerField("номинал, коп.", default=0)
    valid_from = models.DateField("действует с", null=True, blank=True)
    valid_to = models.DateField("действует по", null=True, blank=True)
    accounting_reason = models.TextField("почему не финансируется", blank=True)
    issued_at = models.DateTimeField("выдан", auto_now_add=True)

    class Meta:
        verbose_name = "сертификат"
        verbose_name_plural = "сертификаты"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{11}$"), name="certificate_number_11_digits"
            ),
            models.CheckConstraint(condition=Q(nominal__gte=0), name="certificate_nominal_gte_0"),
        ]

    def __str__(self) -> str:
        return self.number_display

    @property
    def number_display(self) -> str:
        """`26 0000 0001 7`: region, sequence in two fours, check digit."""
        n = self.number
        return f"{n[0:2]} {n[2:6]} {n[6:10]} {n[10:]}" if len(n) == 11 else n


class AccountKind(models.TextChoices):
    TREASURY = "treasury", "Казна (источник средств)"
    BUDGET = "budget", "Бюджет программы финансирования"
    CERTIFICATE = "certificate", "Счёт сертификата"
    PROVIDER_PAYABLE = "provider_payable", "К оплате поставщику"
    PROVIDER_PAID = "provider_paid", "Оплачено поставщику"
    # Advances paid and not yet earned: debited when an advance is paid, credited as invoices
    # net it off; below zero while the provider owes work (or money) for it.
    PROVIDER_ADVANCE = "provider_advance", "Авансы поставщику"


class Account(models.Model):
    """A ledger account with running totals kept in step with its transfers."""

    kind = models.CharField("вид", max_length=20, choices=AccountKind.choices)
    municipality = models.ForeignKey(
        "common.Municipality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="муниципалитет",
    )
    financing_program = models.ForeignKey(
        FinancingProgram,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name="программа финансирования",
    )
    certificate = models.OneToOneField(
        Certificate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account",
        verbose_name="сертификат",
    )
    provider = models.ForeignKey(
        "providers.Provider",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name="поставщик",
    )
    debits_pending = models.BigIntegerField(default=0, verbose_name="дебет (резерв), коп.")
    debits_posted = models.BigIntegerField(default=0, verbose_name="дебет (проведено), коп.")
    credits_pending = models.BigIntegerField(default=0, verbose_name="кредит (резерв), коп.")
    credits_posted = models.BigIntegerField(default=0, verbose_name="кредит (проведено), коп.")
    debits_must_not_exceed_credits = models.BooleanField(
        default=True, verbose_name="дебет не больше кредита"
    )

    class Meta:
        verbose_name = "счёт учёта"
        verbose_name_plural = "счета учёта"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    debits_pending__gte=0,
                    debits_posted__gte=0,
                    credits_pending__gte=0,
                    credits_posted__gte=0,
                ),
                name="account_totals_gte_0",
            ),
            # Available money (credits minus debits, pending included) is never negative.
            models.CheckConstraint(
                condition=Q(debits_must_not_exceed_credits=False)
                | Q(credits_posted__gte=F("debits_posted") + F("debits_pending")),
                name="account_debits_within_credits",
            ),
            models.UniqueConstraint(
                fields=["financing_program"],
                condition=Q(kind="budget"),
                name="account_one_budget_per_program",
            ),
            models.UniqueConstraint(
                fields=["municipality"],
                condition=Q(kind="treasury"),
                name="account_one_treasury_per_municipality",
            ),
            models.UniqueConstraint(
                fields=["provider", "kind"],
                condition=Q(kind__in=["provider_payable", "provider_paid", "provider_advance"]),
                name="account_one_per_provider_kind",
            ),
            # An invoice never nets off more advance than was paid.
            models.CheckConstraint(
                condition=~Q(kind="provider_advance")
                | Q(credits_posted__lte=F("debits_posted"), debits_must_not_exceed_credits=False),
                name="account_advance_netted_within_paid",
            ),
        ]

    def __str__(self) -> str:
        owner = self.certificate or self.provider or self.financing_program or self.municipality
        return f"{self.get_kind_display()}: {owner}"

    @property
    def balance(self) -> int:
        """Credited minus debited (posted)."""
        return self.credits_posted - self.debits_posted

    @property
    def reserved(self) -> int:
        return self.debits_pending

    @property
    def available(self) -> int:
        return available_money(self.credits_posted, self.debits_posted, self.debits_pending)


def available_money(credits_posted: int, debits_posted: int, debits_pending: int) -> int:
    """What an account may still spend or reserve: credited, less debited and reserved (an
    Account's `available`, for a read that has the figures without the account)."""
    return credits_posted - debits_posted - debits_pending


class Hold(models.Model):
    """Money reserved on a certificate for a contract; posted in parts, the rest voided."""

    debit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="holds", verbose_name="счёт дебета"
    )
    credit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name="счёт кредита"
    )
    amount = models.BigIntegerField("зарезервировано")
    posted = models.BigIntegerField("списано", default=0)
    voided = models.BigIntegerField("освобождено", default=0)
    cause = models.CharField("основание", max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="создан")

    class Meta:
        verbose_name = "резерв"
        verbose_name_plural = "резервы"
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0, posted__gte=0, voided__gte=0)
                & Q(amount__gte=F("posted") + F("voided")),
                name="hold_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"Резерв {self.cause}"

    @property
    def remaining(self) -> int:
        return self.amount - self.posted - self.voided


class TransferKind(models.TextChoices):
    FUND = "fund", "Выделение бюджета"
    DEFUND = "defund", "Сокращение бюджета"
    CREDIT = "credit", "Зачисление номинала"
    HOLD = "hold", "Резерв по договору"
    POST = "post", "Списание за занятия"
    VOID = "void", "Снятие резерва"
    EXPIRE = "expire", "Возврат неиспользованного остатка"
    PAY = "pay", "Оплата поставщику"
    ADVANCE = "advance", "Аванс поставщику"
    NET = "net", "Зачёт аванса"
    REVERSE = "reverse", "Сторнирование"


class Transfer(models.Model):
    """An append-only movement of money between two accounts (never updated, never deleted)."""

    kind = models.CharField("вид", max_length=10, choices=TransferKind.choices)
    debit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="debits", verbose_name="счёт дебета"
    )
    credit_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="credits", verbose_name="счёт кредита"
    )
    amount = models.BigIntegerField("сумма, коп.")
    hold = models.ForeignKey(
        Hold,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
        verbose_name="резерв",
    )
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name="сторнирует",
    )
    idempotency_key = models.CharField("ключ идемпотентности", max_length=200, unique=True)
    description = models.CharField("описание", max_length=300, blank=True)
    created_at = models.DateTimeField("когда", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "проводка"
        verbose_name_plural = "проводки"
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="transfer_amount_positive"),
            models.CheckConstraint(
                condition=~Q(debit_account=F("credit_account")), name="transfer_distinct_accounts"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["hold", "post", "void"]) | Q(hold__isnull=False),
                name="transfer_hold_kinds_name_hold",
            ),
            models.CheckConstraint(
                condition=Q(kind="reverse", reverses__isnull=False)
                | (~Q(kind="reverse") & Q(reverses__isnull=True)),
                name="transfer_reverse_names_original",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} коп. ({self.idempotency_key})"
