"""An auditor for the ledger: recomputes what the running totals say from the transfers.

Each check reads the whole ledger with a few aggregate queries (grouped by account and kind,
never one row per transfer in Python), so it stays usable on a municipality's full history.
Transfer effects are linear in the amount, so the effect of a group's summed amount, taken
from `ledger.transfer_effect_on`, equals the sum of its transfers' effects.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

from kruzhok.certificates import ledger
from kruzhok.certificates.models import Account, Hold, Transfer, TransferKind

COLUMNS = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
# How many offending rows a summary line names before "… and N more".
SHOWN = 10


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    summary: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.summary}"


def _listing(items: list[str]) -> str:
    shown = ", ".join(items[:SHOWN])
    return shown + (f", … and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def account_label(account: Account) -> str:
    """`#12 certificate 26000000013`: the account, its kind and whose it is."""
    if account.certificate_id is not None:
        owner = account.certificate.number if account.certificate else ""
    elif account.provider_id is not None:
        owner = account.provider.short_name if account.provider else ""
    elif account.financing_program_id is not None:
        owner = account.financing_program.title if account.financing_program else ""
    else:
        owner = account.municipality.name if account.municipality else ""
    return f"#{account.pk} {account.kind} {owner}".rstrip()


def _labels(account_ids: list[int]) -> dict[int, str]:
    accounts = Account.objects.filter(pk__in=account_ids).select_related(
        "certificate", "provider", "financing_program", "municipality"
    )
    return {a.pk: account_label(a) for a in accounts}


def _synthetic(kind: str, amount: int, reverses_kind: str | None, **sides: int) -> Transfer:
    """An unsaved transfer standing for a group of transfers of one kind (and reversed kind)."""
    original = Transfer(kind=reverses_kind, amount=amount) if reverses_kind else None
    return Transfer(kind=kind, amount=amount, reverses=original, **sides)


def recomputed_totals() -> dict[int, dict[str, int]]:
    """Every account's four totals as its transfers say they should be."""
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for side in ("debit_account_id", "credit_account_id"):
        groups = (
            Transfer.objects.values(side, "kind", "reverses__kind")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for group in groups:
            account_id = group[side]
            transfer = _synthetic(
                group["kind"], group["total"], group["reverses__kind"], **{side: account_id}
            )
            for column, delta in ledger.transfer_effect_on(transfer, account_id).items():
                totals[account_id][column] += delta
    return totals


def check_balances() -> CheckResult:
    recomputed = recomputed_totals()
    differing: dict[int, list[str]] = {}
    count = 0
    for row in Account.objects.values("pk", *COLUMNS).order_by("pk").iterator():
        count += 1
        expected = recomputed.get(row["pk"], dict.fromkeys(COLUMNS, 0))
        diffs = [
            f"{column} {row[column]}, transfers say {expected[column]}"
            for column in COLUMNS
            if row[column] != expected[column]
        ]
        if diffs:
            differing[row["pk"]] = diffs
    if not differing:
        return CheckResult("balances", True, f"{count} accounts match their transfers")
    labels = _labels(list(differing))
    items = [f"{labels[pk]} ({'; '.join(diffs)})" for pk, diffs in differing.items()]
    return CheckResult("balances", False, f"{len(differing)} accounts differ: {_listing(items)}")


def check_zero_sum() -> CheckResult:
    sums = Account.objects.aggregate(
        accounts=Count("pk"),
        posted=Sum(F("credits_posted") - F("debits_posted")),
        pending=Sum(F("credits_pending") - F("debits_pending")),
    )
    posted, pending = sums["posted"] or 0, sums["pending"] or 0
    if posted == 0 and pending == 0:
        return CheckResult(
            "zero-sum",
            True,
            f"credits minus debits over {sums['accounts']} accounts is 0 (posted and pending)",
        )
    return CheckResult(
        "zero-sum",
        False,
        f"credits minus debits over all accounts is {posted} posted, {pending} pending",
    )


def check_available() -> CheckResult:
    negative_total = Q()
    for column in COLUMNS:
        negative_total |= Q(**{f"{column}__lt": 0})
    overdrawn = Q(
        debits_must_not_exceed_credits=True,
        credits_posted__lt=F("debits_posted") + F("debits_pending"),
    )
    bad = list(
        Account.objects.filter(negative_total | overdrawn)
        .select_related("certificate", "provider", "financing_program", "municipality")
        .order_by("pk")
    )
    guarded = Account.objects.filter(debits_must_not_exceed_credits=True).count()
    if not bad:
        return CheckResult(
            "available", True, f"{guarded} guarded accounts, none below zero, no negative total"
        )
    items = [f"{account_label(a)} (available {a.available})" for a in bad]
    return CheckResult("available", False, f"{len(bad)} accounts below zero: {_listing(items)}")


_HOLD_COLUMNS: dict[str, str] = {
    TransferKind.HOLD.value: "held",
    TransferKind.POST.value: "posted",
    TransferKind.VOID.value: "voided",
}


def check_holds() -> CheckResult:
    """Each hold: reserved by its hold transfer, posted and voided as its transfers say."""
    moved: dict[int, dict[str, int]] = defaultdict(lambda: {"held": 0, "posted": 0, "voided": 0})
    groups = (
        Transfer.objects.filter(hold__isnull=False)
        .values("hold_id", "kind", "reverses__kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for group in groups:
        sign, kind = 1, group["kind"]
        if kind == TransferKind.REVERSE:
            sign, kind = -1, group["reverses__kind"]
        column = _HOLD_COLUMNS.get(str(kind))
        if column is not None:
            moved[group["hold_id"]][column] += sign * group["total"]
    bad: list[str] = []
    count = 0
    for hold in Hold.objects.order_by("pk").iterator():
        count += 1
        expected = moved.get(hold.pk, {"held": 0, "posted": 0, "voided": 0})
        problems = []
        if hold.posted + hold.voided > hold.amount:
            problems.append(f"posted {hold.posted} + voided {hold.voided} > {hold.amount}")
        if expected["held"] != hold.amount:
            problems.append(f"amount {hold.amount}, hold transfers say {expected['held']}")
        if expected["posted"] != hold.posted:
            problems.append(f"posted {hold.posted}, transfers say {expected['posted']}")
        if expected["voided"] != hold.voided:
            problems.append(f"voided {hold.voided}, transfers say {expected['voided']}")
        if problems:
            bad.append(f"#{hold.pk} {hold.cause} ({'; '.join(problems)})")
    if not bad:
        return CheckResult("holds", True, f"{count} holds match their transfers")
    return CheckResult("holds", False, f"{len(bad)} holds differ: {_listing(bad)}")


def check_keys() -> CheckResult:
    repeated = list(
        Transfer.objects.values("idempotency_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .order_by("idempotency_key")
        .values_list("idempotency_key", "n")
    )
    total = Transfer.objects.count()
    if not repeated:
        return CheckResult("keys", True, f"{total} transfers, no idempotency key repeated")
    items = [f"{key} ×{n}" for key, n in repeated]
    return CheckResult("keys", False, f"{len(repeated)} keys repeated: {_listing(items)}")


def ledger_audit() -> list[CheckResult]:
    """Run every check; read-only."""
    return [check_balances(), check_zero_sum(), check_available(), check_holds(), check_keys()]
