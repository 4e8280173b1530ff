import functools
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Q

from kruzhok.certificates.ledger import COLUMNS as _TOTALS
from kruzhok.certificates.ledger import transfer_effect_on
from kruzhok.certificates.models import (
    Account,
    AccountKind,
    Certificate,
    CertificateStatus,
    FinancingProgram,
    Hold,
    NominalBand,
    Transfer,
    TransferKind,
)
from kruzhok.common.rawsql import table
from kruzhok.families.models import Child
from kruzhok.providers.models import Provider


@dataclass(frozen=True)
class CertificateMoney:
    """Money figures of a certificate as the cabinet shows them (kopecks)."""

    credited: int
    debited: int
    balance: int
    reserved: int
    available: int


@dataclass(frozen=True)
class Operation:
    """One line of a certificate's history, signed from the certificate's point of view."""

    transfer_id: int
    created_at: datetime
    kind: str
    kind_label: str
    description: str
    program_title: str
    provider_name: str
    amount: int  # change of the balance, kopecks (credits minus debits)
    reserved_change: int  # change of the reserved amount, kopecks


@dataclass(frozen=True)
class CertificateCard:
    certificate: Certificate
    money: CertificateMoney
    operations: list[Operation]

    @property
    def is_funded(self) -> bool:
        return self.certificate.status == CertificateStatus.FUNDED


def certificate_money(*, certificate: Certificate) -> CertificateMoney:
    """Constant-time figures read from the account's running totals."""
    account = Account.objects.filter(certificate=certificate).first()
    if account is None:
        return CertificateMoney(0, 0, 0, 0, 0)
    return CertificateMoney(
        credited=account.credits_posted,
        debited=account.debits_posted,
        balance=account.balance,
        reserved=account.reserved,
        available=account.available,
    )


_KIND_LABELS_FOR_PARENT = {
    TransferKind.CREDIT: "Зачисление номинала",
    TransferKind.HOLD: "Резерв по договору",
    TransferKind.POST: "Списание за занятие",
    TransferKind.VOID: "Снятие резерва",
    TransferKind.EXPIRE: "Возврат остатка по окончании периода",
    TransferKind.REVERSE: "Отмена списания",
}


def certificate_operations(*, certificate: Certificate) -> list[Operation]:
    """Every transfer touching the certificate's account, oldest first, as the ledger holds it."""
    account = Account.objects.filter(certificate=certificate, kind=AccountKind.CERTIFICATE).first()
    if account is None:
        return []
    transfers = (
        Transfer.objects.filter(Q(debit_account=account) | Q(credit_account=account))
        .select_related(
            "hold__contract__application__group__program__provider",
            "reverses",
        )
        .order_by("created_at", "pk")
    )
    rows = []
    for t in transfers:
        contract = getattr(t.hold, "contract", None) if t.hold_id else None
        program = contract.application.group.program if contract else None
        effect = transfer_effect_on(t, account.pk)
        label = _KIND_LABELS_FOR_PARENT.get(TransferKind(t.kind), t.get_kind_display())
        if t.kind == TransferKind.REVERSE and t.reverses is not None:
            label = f"Сторно: {_KIND_LABELS_FOR_PARENT.get(TransferKind(t.reverses.kind), '')}"
        rows.append(
            Operation(
                transfer_id=t.pk,
                created_at=t.created_at,
                kind=t.kind,
                kind_label=label.lower().capitalize(),
                description=t.description,
                program_title=program.title if program else "",
                provider_name=program.provider.short_name if program else "",
                amount=effect.get("credits_posted", 0) - effect.get("debits_posted", 0),
                reserved_change=effect.get("debits_pending", 0),
            )
        )
    return rows


def certificate_card(*, child: Child) -> CertificateCard | None:
    """The child's certificate with its money and history, or None before one is issued."""
    certificate = (
        Certificate.objects.select_related("financing_program", "municipality")
        .filter(child=child)
        .first()
    )
    if certificate is None:
        return None
    return CertificateCard(
        certificate=certificate,
        money=certificate_money(certificate=certificate),
        operations=certificate_operations(certificate=certificate),
    )


@dataclass(frozen=True)
class ProviderMoney:
    """A provider's money (kopecks): reserved under concluded contracts, earned and owed
    (payable), and paid out."""

    reserved: int
    payable: int
    paid: int

    @property
    def earned(self) -> int:
        """Everything charged for attended lessons so far: owed plus paid."""
        return self.payable + self.paid


def provider_money(*, provider: Provider) -> ProviderMoney:
    """Constant time: two account rows found by the unique (provider, kind) index, read from
    their running totals (never a sum over transfers)."""
    accounts = {
        row["kind"]: row
        for row in Account.objects.filter(
            provider=provider,
            kind__in=(AccountKind.PROVIDER_PAYABLE, AccountKind.PROVIDER_PAID),
        ).values("kind", *_TOTALS)
    }
    payable = accounts.get(AccountKind.PROVIDER_PAYABLE.value, dict.fromkeys(_TOTALS, 0))
    paid = accounts.get(AccountKind.PROVIDER_PAID.value, dict.fromkeys(_TOTALS, 0))
    return ProviderMoney(
        reserved=payable["credits_pending"] - payable["debits_pending"],
        payable=payable["credits_posted"] - payable["debits_posted"],
        paid=paid["credits_posted"] - paid["debits_posted"],
    )


@dataclass(frozen=True)
class HoldMoney:
    """A contract's reserve (kopecks): reserved at signing, charged, released, still held."""

    amount: int
    posted: int
    voided: int
    remaining: int


def hold_money(*, hold: Hold) -> HoldMoney:
    """Constant time: the hold's own row, read fresh (one primary-key lookup)."""
    amount, posted, voided = Hold.objects.values_list("amount", "posted", "voided").get(pk=hold.pk)
    return HoldMoney(
        amount=amount, posted=posted, voided=voided, remaining=amount - posted - voided
    )


def financing_budget_available(*, financing_program: FinancingProgram) -> int:
    """Money of a financing program's budget not yet credited to certificates (kopecks)."""
    account = Account.objects.filter(
        kind=AccountKind.BUDGET, financing_program=financing_program
    ).first()
    return account.available if account is not None else 0


# Funding outlook ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundingOutlook:
    """What funding a certificate for the financing program in force would give, read at once
    for the contract offer (which every accepted applicant's page shows)."""

    period_start: date
    quota_left: bool
    budget_available: int
    # (age_min, age_max, nominal) by age_min, as `services.nominal_for` searches them.
    bands: tuple[tuple[int, int, int], ...]

    def nominal_for_age(self, age: int) -> int | None:
        return next((nominal for low, high, nominal in self.bands if low <= age <= high), None)


def program_in_force_sql(*, municipality: str, day: str) -> str:
    """FROM … LIMIT 1 of the financing program in force (alias f) for a municipality on a day,
    as `services.financing_program_current` chooses it, for hand-written reads: the SQL
    expressions (a column, a placeholder) are the caller's."""
    return f"""FROM {table(FinancingProgram)} f
 WHERE f.municipality_id = {municipality} AND f.closed_at IS NULL
   AND f.period_start <= {day} AND f.period_end >= {day}
 ORDER BY f.period_start DESC LIMIT 1"""


@functools.cache
def _outlook_statements(vendor: str) -> tuple[str, str]:
    program = f"""
SELECT f.id, f.period_start, f.funded_count < f.max_funded_certificates,
       (SELECT a.credits_posted - a.debits_posted - a.debits_pending
          FROM {table(Account)} a
         WHERE a.kind = '{AccountKind.BUDGET.value}' AND a.financing_program_id = f.id
         ORDER BY a.id LIMIT 1)
  {program_in_force_sql(municipality="%(municipality)s", day="%(day)s")}
"""
    bands = (
        f"SELECT age_min, age_max, nominal FROM {table(NominalBand)} "
        "WHERE financing_program_id = %s ORDER BY age_min, id"
    )
    return program, bands


def funding_outlook(*, municipality_id: int, day: date) -> FundingOutlook | None:
    """The same answers as `services.financing_program_current`, `services.nominal_for` and
    `financing_budget_available` (tests hold them equal), in two plain statements instead of
    three ORM queries; None when no financing program is in force."""
    program_sql, bands_sql = _outlook_statements(connection.vendor)
    day_value = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        cursor.execute(program_sql, {"municipality": municipality_id, "day": day_value})
        row = cursor.fetchone()
        if row is None:
            return None
        program_id, period_start, quota_left, budget = row
        cursor.execute(bands_sql, [program_id])
        bands = tuple((int(low), int(high), int(nominal)) for low, high, nominal in cursor)
    return FundingOutlook(
        period_start=period_start,
        quota_left=bool(quota_left),
        budget_available=int(budget or 0),
        bands=bands,
    )
