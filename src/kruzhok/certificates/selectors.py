from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from kruzhok.certificates.financing_reads import financing_programs_in_force
from kruzhok.certificates.ledger import COLUMNS as _TOTALS
from kruzhok.certificates.ledger import transfer_effect_on
from kruzhok.certificates.models import (
    Account,
    AccountKind,
    Certificate,
    CertificateReach,
    CertificateStatus,
    FinancingProgram,
    Hold,
    Transfer,
    TransferKind,
    available_money,
)
from kruzhok.certificates.money_sql import funded_money_rows
from kruzhok.common.models import Municipality
from kruzhok.common.search import text_contains
from kruzhok.common.validators import normalize_digits
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


def funded_available_by_child(*, child_ids: Sequence[int]) -> dict[int, int]:
    """The money available on each of the children's funded certificates, by child id, in one
    query (`certificate_money(...).available` of each): a page offering a family several
    groups reads its children's money at once. A child without a funded certificate is not in
    it. Read by hand (`money_sql`): the program page asks it for every parent who opens it."""
    return {
        child_id: available_money(credited or 0, debited or 0, pending or 0)  # None: no account
        for child_id, credited, debited, pending in funded_money_rows(child_ids=child_ids)
    }


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
    # Advances paid and not yet netted off an invoice: what the provider still owes for them.
    advance_outstanding: int = 0

    @property
    def earned(self) -> int:
        """Everything charged for attended lessons so far: owed plus paid, less advances paid
        ahead of the work."""
        return self.payable + self.paid - self.advance_outstanding


def provider_money(*, provider: Provider) -> ProviderMoney:
    """Constant time: three account rows found by the unique (provider, kind) index, read from
    their running totals (never a sum over transfers)."""
    accounts = {
        row["kind"]: row
        for row in Account.objects.filter(
            provider=provider,
            kind__in=(
                AccountKind.PROVIDER_PAYABLE,
                AccountKind.PROVIDER_PAID,
                AccountKind.PROVIDER_ADVANCE,
            ),
        ).values("kind", *_TOTALS)
    }
    zero = dict.fromkeys(_TOTALS, 0)
    payable = accounts.get(AccountKind.PROVIDER_PAYABLE.value, zero)
    paid = accounts.get(AccountKind.PROVIDER_PAID.value, zero)
    advance = accounts.get(AccountKind.PROVIDER_ADVANCE.value, zero)
    return ProviderMoney(
        reserved=payable["credits_pending"] - payable["debits_pending"],
        payable=payable["credits_posted"] - payable["debits_posted"],
        paid=paid["credits_posted"] - paid["debits_posted"],
        advance_outstanding=advance["debits_posted"] - advance["credits_posted"],
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


def certificate_reach_refusal(
    *,
    child_municipality_id: int,
    provider_municipality_id: int,
    day: date,
    financing_program: FinancingProgram | None = None,
) -> str | None:
    """Why the certificate of a child of one municipality cannot pay a provider of another,
    in Russian; None when it can. It can unless the financing program in force for the child's
    municipality (or the one given) keeps its certificates to its own providers. Whoever the
    provider, the child's municipality pays: this only decides whether the certificate may
    be used there."""
    if child_municipality_id == provider_municipality_id:
        return None
    program = financing_program or (
        financing_programs_in_force(municipality=child_municipality_id, day=day).first()
    )
    if program is None or program.certificate_reach != CertificateReach.MUNICIPALITY:
        return None
    name = Municipality.objects.get(pk=child_municipality_id).name
    return (
        f"Сертификаты муниципалитета «{name}» можно использовать только у его поставщиков, "
        "а эта организация — из другого муниципалитета. Выберите в каталоге программу "
        "поставщика вашего муниципалитета."
    )


# Registers and the operator's home -------------------------------------------------------------


def certificate_register(
    *,
    municipality_ids: Sequence[int],
    query: str = "",
    status: str = "",
    snils: str = "",
) -> QuerySet[Certificate]:
    """The municipalities' certificates, newest first, each with `balance` and `reserved`
    (kopecks) from its account's running totals; `query` finds a number (as printed or not)
    or a child's surname, `snils` (11 digits, from a POST: never from a URL) one child's."""
    certificates = (
        Certificate.objects.filter(municipality_id__in=municipality_ids)
        .select_related("child", "municipality", "financing_program")
        .annotate(
            balance=Coalesce(F("account__credits_posted") - F("account__debits_posted"), 0),
            reserved=Coalesce(F("account__debits_pending"), 0),
        )
    )
    if snils:
        certificates = certificates.filter(child__snils=snils)
    text = query.strip()
    if text:
        digits = normalize_digits(text)
        if digits.isascii() and digits.isdigit():
            certificates = certificates.filter(number__startswith=digits)
        else:
            certificates = certificates.filter(text_contains(("child__last_name",), text))
    if status:
        certificates = certificates.filter(status=status)
    return certificates.order_by("-issued_at", "-pk")


@dataclass(frozen=True)
class CertificateCounts:
    issued: int
    funded: int
    accounting: int


def certificate_counts(*, municipality_ids: list[int]) -> CertificateCounts:
    """Certificates of children of these municipalities by status, in one aggregate query."""
    figures = Certificate.objects.filter(municipality_id__in=municipality_ids).aggregate(
        issued=Count("pk"),
        funded=Count("pk", filter=Q(status=CertificateStatus.FUNDED)),
        accounting=Count("pk", filter=Q(status=CertificateStatus.ACCOUNTING)),
    )
    return CertificateCounts(**figures)


@dataclass(frozen=True)
class MoneyMonth:
    """The money of certificates over one month (kopecks): what moved in the month, and what
    stood at its end (`reserved`, `remaining`: balance not yet spent or expired)."""

    month: date
    credited: int
    spent: int
    expired: int
    reserved: int
    remaining: int


# Which side of a transfer the certificate stands on, and how the transfer moves its money. A
# certificate's account carries its municipality (`ledger_accounts.certificate_account`), so
# the transfers are filtered through their account alone, not the certificate too.
_CERTIFICATE_DEBITED = (
    TransferKind.HOLD,
    TransferKind.POST,
    TransferKind.VOID,
    TransferKind.EXPIRE,
)


def _money_flows(municipality_ids: list[int], since: datetime | None) -> dict[date, dict[str, int]]:
    """Per month and kind, what the transfers on a certificate's side of these municipalities
    moved (from `since` on, or ever)."""
    month = TruncMonth("created_at")
    after = Q(created_at__gte=since) if since is not None else Q()
    debited = (
        Transfer.objects.filter(
            after,
            kind__in=_CERTIFICATE_DEBITED,
            debit_account__kind=AccountKind.CERTIFICATE,
            debit_account__municipality_id__in=municipality_ids,
        )
        .annotate(month=month)
        .values("month", "kind")
        .annotate(total=Sum("amount"))
        .values_list("month", "kind", "total")
    )
    credited = Transfer.objects.filter(
        after,
        credit_account__kind=AccountKind.CERTIFICATE,
        credit_account__municipality_id__in=municipality_ids,
    )
    # The reversals of charges apart from the credits: joined to the transfer each reverses
    # only once filtered to reversals (a few rows), where one query for both joined every
    # credit, or hashed the whole ledger to find the reversed ones.
    by_month = [
        rows.annotate(month=month)
        .values("month", "kind")
        .annotate(total=Sum("amount"))
        .values_list("month", "kind", "total")
        for rows in (
            credited.filter(kind=TransferKind.CREDIT),
            credited.filter(kind=TransferKind.REVERSE, reverses__kind=TransferKind.POST),
        )
    ]
    flows: dict[date, dict[str, int]] = {}
    for when, kind, total in [*debited, *by_month[0], *by_month[1]]:
        day = when.date() if isinstance(when, datetime) else when
        flows.setdefault(day, {})[kind] = total
    return flows


def _month_moves(f: dict[str, int]) -> tuple[int, int, int, int, int]:
    """credited, spent, expired, and the changes of the reserve and of the balance."""
    credit, post = f.get(TransferKind.CREDIT, 0), f.get(TransferKind.POST, 0)
    unposted = f.get(TransferKind.REVERSE, 0)  # a reversed charge goes back to the reserve
    expire = f.get(TransferKind.EXPIRE, 0)
    held = f.get(TransferKind.HOLD, 0) - f.get(TransferKind.VOID, 0) - post + unposted
    return credit, post - unposted, expire, held, credit - post + unposted - expire


def certificate_money_by_month(
    *, municipality_ids: list[int], since: date | None = None, until: date | None = None
) -> list[MoneyMonth]:
    """Money credited / spent / expired in each month, and reserved / remaining at its end, for
    the certificates of these municipalities, each month with money moved: two aggregate
    queries grouped by month and kind (the transfers on each side of a certificate's account).

    Without `since`, every transfer ever is read and the running totals are summed forwards
    from zero (the definition, docs/reports.md). With `since` (a month's first day) only the
    transfers from that month on are read, and the totals at each month's end are walked
    backwards from the accounts' running totals now (`certificate_money_now`), less what moved
    after that month: the same figures, from a year of transfers instead of all of them.
    `until`: no month after it is listed (a report dated in the past)."""
    if since is None:
        flows = _money_flows(municipality_ids, None)
        rows = []
        reserved = balance = 0
        for day in sorted(flows):
            credit, spent, expire, held, moved = _month_moves(flows[day])
            reserved += held
            balance += moved
            rows.append(MoneyMonth(day, credit, spent, expire, reserved, balance))
    else:
        start = timezone.make_aware(datetime.combine(since, time.min))
        flows = _money_flows(municipality_ids, start)
        now = certificate_money_now(municipality_ids=municipality_ids)
        reserved, balance = now.reserved, now.balance
        rows = []
        for day in sorted(flows, reverse=True):
            credit, spent, expire, held, moved = _month_moves(flows[day])
            rows.append(MoneyMonth(day, credit, spent, expire, reserved, balance))
            reserved -= held
            balance -= moved
        rows.reverse()
    return [row for row in rows if until is None or row.month <= until]


def certificate_money_now(*, municipality_ids: list[int]) -> CertificateMoney:
    """The certificates' money now, summed from their accounts' running totals (one aggregate
    over the accounts, never over transfers): what the dashboard shows."""
    totals = Account.objects.filter(
        kind=AccountKind.CERTIFICATE, municipality_id__in=municipality_ids
    ).aggregate(
        credited=Coalesce(Sum("credits_posted"), 0),
        debited=Coalesce(Sum("debits_posted"), 0),
        reserved=Coalesce(Sum("debits_pending"), 0),
    )
    balance = totals["credited"] - totals["debited"]
    return CertificateMoney(
        credited=totals["credited"],
        debited=totals["debited"],
        balance=balance,
        reserved=totals["reserved"],
        available=balance - totals["reserved"],
    )
