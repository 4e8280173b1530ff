"""Certificates and the ledger in the admin: shown, never edited.

Money moves only through `certificates.ledger`, so every money table here is read-only: a
change by hand would put a running total out of step with its transfers. A financing
program is created by `financing_program_create`, which also funds its budget.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html

from kruzhok.certificates.models import (
    Account,
    Certificate,
    FinancingProgram,
    Hold,
    NominalBand,
    Transfer,
)
from kruzhok.certificates.selectors import certificate_money
from kruzhok.common.admin_mixins import ReadOnlyAdminMixin
from kruzhok.common.money import format_kopecks
from kruzhok.common.validators import normalize_digits

_ACCOUNT_OWNERS = ("certificate", "provider", "financing_program", "municipality")


def _admin_link(obj: Any, text: str) -> str:
    """A link to the object's admin page, or the plain text if it has none."""
    try:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return text
    return format_html('<a href="{}">{}</a>', url, text)


def _rub(amount: int) -> str:
    return format_kopecks(amount)


class NominalBandInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = NominalBand
    fields = ("age_min", "age_max", "nominal_rub")
    readonly_fields = fields
    extra = 0

    @admin.display(description="номинал")
    def nominal_rub(self, band: NominalBand) -> str:
        return _rub(band.nominal)


@admin.register(FinancingProgram)
class FinancingProgramAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "municipality",
        "period_start",
        "period_end",
        "funded_count",
        "max_funded_certificates",
        "budget_cap_rub",
        "billing_regime",
        "certificate_reach",
        "closed_at",
    )
    list_filter = ("municipality", "billing_regime", "certificate_reach")
    search_fields = ("title", "municipality__name")
    list_select_related = ("municipality",)
    inlines = [NominalBandInline]

    @admin.display(description="объём средств", ordering="budget_cap")
    def budget_cap_rub(self, program: FinancingProgram) -> str:
        return _rub(program.budget_cap)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "number_display",
        "child",
        "municipality",
        "status",
        "financing_program",
        "nominal_rub",
        "valid_to",
    )
    list_filter = ("status", "municipality")
    # Never a СНИЛС: a search is a GET whose address lands in access logs.
    search_fields = ("number", "child__last_name", "child__first_name")
    list_select_related = ("child", "municipality", "financing_program")
    fields = (
        "number_display",
        "child",
        "municipality",
        "status",
        "accounting_reason",
        "financing_program",
        "nominal_rub",
        "valid_from",
        "valid_to",
        "issued_at",
        "credited",
        "debited",
        "balance",
        "reserved",
        "available",
        "account_link",
    )
    readonly_fields = fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        # A number as printed (`26 0000 0001 3`) finds its certificate too.
        digits = normalize_digits(search_term)
        if len(digits) == 11 and digits.isascii() and digits.isdigit():
            return queryset.filter(number=digits), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="номер", ordering="number")
    def number_display(self, certificate: Certificate) -> str:
        return certificate.number_display

    @admin.display(description="номинал", ordering="nominal")
    def nominal_rub(self, certificate: Certificate) -> str:
        return _rub(certificate.nominal)

    @admin.display(description="зачислено")
    def credited(self, certificate: Certificate) -> str:
        return _rub(certificate_money(certificate=certificate).credited)

    @admin.display(description="списано")
    def debited(self, certificate: Certificate) -> str:
        return _rub(certificate_money(certificate=certificate).debited)

    @admin.display(description="остаток")
    def balance(self, certificate: Certificate) -> str:
        return _rub(certificate_money(certificate=certificate).balance)

    @admin.display(description="зарезервировано")
    def reserved(self, certificate: Certificate) -> str:
        return _rub(certificate_money(certificate=certificate).reserved)

    @admin.display(description="доступно")
    def available(self, certificate: Certificate) -> str:
        return _rub(certificate_money(certificate=certificate).available)

    @admin.display(description="счёт учёта")
    def account_link(self, certificate: Certificate) -> str:
        account = Account.objects.filter(certificate=certificate).first()
        return _admin_link(account, f"Счёт #{account.pk}") if account else "—"


@admin.register(Account)
class AccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "owner",
        "credits_posted_rub",
        "debits_posted_rub",
        "debits_pending_rub",
        "credits_pending_rub",
        "available_rub",
    )
    list_filter = ("kind", "municipality")
    search_fields = ("certificate__number", "provider__short_name", "provider__inn")
    list_select_related = _ACCOUNT_OWNERS

    @admin.display(description="владелец")
    def owner(self, account: Account) -> str:
        for name in _ACCOUNT_OWNERS:
            obj = getattr(account, name)
            if obj is not None:
                return _admin_link(obj, str(obj))
        return "—"

    @admin.display(description="кредит (проведено)", ordering="credits_posted")
    def credits_posted_rub(self, account: Account) -> str:
        return _rub(account.credits_posted)

    @admin.display(description="дебет (проведено)", ordering="debits_posted")
    def debits_posted_rub(self, account: Account) -> str:
        return _rub(account.debits_posted)

    @admin.display(description="дебет (резерв)", ordering="debits_pending")
    def debits_pending_rub(self, account: Account) -> str:
        return _rub(account.debits_pending)

    @admin.display(description="кредит (резерв)", ordering="credits_pending")
    def credits_pending_rub(self, account: Account) -> str:
        return _rub(account.credits_pending)

    @admin.display(description="доступно")
    def available_rub(self, account: Account) -> str:
        return _rub(account.available) if account.debits_must_not_exceed_credits else "—"


def _contract_of(hold: Hold) -> Any:
    # RelatedObjectDoesNotExist is an AttributeError: a hold without a contract gives None.
    return getattr(hold, "contract", None)


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "cause",
        "debit_account",
        "credit_account",
        "amount_rub",
        "posted_rub",
        "voided_rub",
        "remaining_rub",
        "contract_link",
        "created_at",
    )
    search_fields = ("cause", "debit_account__certificate__number")
    list_select_related = (
        "debit_account__certificate",
        "credit_account__provider",
        "contract",
    )
    date_hierarchy = "created_at"

    @admin.display(description="зарезервировано", ordering="amount")
    def amount_rub(self, hold: Hold) -> str:
        return _rub(hold.amount)

    @admin.display(description="списано", ordering="posted")
    def posted_rub(self, hold: Hold) -> str:
        return _rub(hold.posted)

    @admin.display(description="освобождено", ordering="voided")
    def voided_rub(self, hold: Hold) -> str:
        return _rub(hold.voided)

    @admin.display(description="остаток резерва")
    def remaining_rub(self, hold: Hold) -> str:
        return _rub(hold.remaining)

    @admin.display(description="договор")
    def contract_link(self, hold: Hold) -> str:
        contract = _contract_of(hold)
        return _admin_link(contract, str(contract)) if contract else "—"


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "kind",
        "debit_account",
        "credit_account",
        "amount_rub",
        "cause",
        "idempotency_key",
    )
    list_filter = ("kind",)
    search_fields = ("idempotency_key", "description")
    date_hierarchy = "created_at"
    list_select_related = (
        *(f"debit_account__{owner}" for owner in _ACCOUNT_OWNERS),
        *(f"credit_account__{owner}" for owner in _ACCOUNT_OWNERS),
        "hold__contract",
        "reverses",
    )

    @admin.display(description="сумма", ordering="amount")
    def amount_rub(self, transfer: Transfer) -> str:
        return _rub(transfer.amount)

    @admin.display(description="основание")
    def cause(self, transfer: Transfer) -> str:
        """What the transfer answers to: the reversed transfer, or the hold's contract."""
        if transfer.reverses is not None:
            original = transfer.reverses
            return _admin_link(original, f"Сторно проводки #{original.pk}")
        if transfer.hold is not None:
            contract = _contract_of(transfer.hold)
            if contract is not None:
                return _admin_link(contract, str(contract))
            return _admin_link(transfer.hold, str(transfer.hold))
        return "—"
