"""Random sequences of ledger operations against a plain-Python model (TigerBeetle's auditor).

The model knows only the domain rules: what each kind of transfer does to the four totals of
its two accounts and to its hold, and that a transfer is allowed exactly when every invariant
still holds afterwards (no total below zero, a guarded account's debits within its credits, a
hold's posted plus voided within its amount). The ledger must agree on every outcome —
success or the kind of refusal — and after every step the database must equal the model.

Each example runs on a fresh municipality, financing program and providers: its accounts are
a closed system, so every invariant (zero sum, unique keys, no overdraft) holds within them and
a step costs the same however many examples ran before. After the run, the auditor of
`kruzhok ledger check` goes over the whole database. KRUZHOK_HYPOTHESIS_LONG=1: a long run.
"""

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from kruzhok.certificates import ledger, ledger_accounts, services
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.certificates.models import Account, AccountKind, Hold, Transfer, TransferKind
from kruzhok.certificates.tests.factories import (
    ChildFactory,
    MunicipalityFactory,
    ProviderFactory,
    financing_program_make,
)

LONG = os.environ.get("KRUZHOK_HYPOTHESIS_LONG") == "1"
SETTINGS = settings(
    max_examples=400 if LONG else 30,
    stateful_step_count=60 if LONG else 20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
BUDGET = 40_000  # kopecks: small, so that credits run out within an example

COLUMNS = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
_examples = itertools.count(1)


# --- the model -----------------------------------------------------------------------------------

# What one kopeck of each kind does: (debit side, credit side, hold posted, hold voided).
EFFECTS: dict[str, tuple[dict[str, int], dict[str, int], int, int]] = {
    "credit": ({"debits_posted": 1}, {"credits_posted": 1}, 0, 0),
    "expire": ({"debits_posted": 1}, {"credits_posted": 1}, 0, 0),
    "pay": ({"debits_posted": 1}, {"credits_posted": 1}, 0, 0),
    "hold": ({"debits_pending": 1}, {"credits_pending": 1}, 0, 0),
    "post": (
        {"debits_pending": -1, "debits_posted": 1},
        {"credits_pending": -1, "credits_posted": 1},
        1,
        0,
    ),
    "void": ({"debits_pending": -1}, {"credits_pending": -1}, 0, 1),
}
REVERSIBLE = ("credit", "expire", "pay", "post", "void")


@dataclass
class ModelAccount:
    guarded: bool
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))

    def after(self, deltas: dict[str, int]) -> dict[str, int]:
        return {c: self.totals[c] + deltas.get(c, 0) for c in COLUMNS}

    def allows(self, deltas: dict[str, int]) -> bool:
        t = self.after(deltas)
        if any(v < 0 for v in t.values()):
            return False
        return not self.guarded or t["credits_posted"] >= t["debits_posted"] + t["debits_pending"]


@dataclass
class ModelHold:
    pk: int
    amount: int
    posted: int = 0
    voided: int = 0

    @property
    def remaining(self) -> int:
        return self.amount - self.posted - self.voided

    def allows(self, posted: int, voided: int) -> bool:
        p, v = self.posted + posted, self.voided + voided
        return p >= 0 and v >= 0 and p + v <= self.amount


@dataclass
class ModelTransfer:
    key: str
    kind: str
    debit: int
    credit: int
    amount: int
    hold: ModelHold | None
    result_pk: int  # the transfer's pk, or the hold's for a hold
    transfer_pk: int
    replay: Callable[[], Any]
    conflicting: list[Callable[[], Any]]  # the same key (or cause) with other content
    reverses: "ModelTransfer | None" = None
    reversed_by: "ModelTransfer | None" = None


def outcome_of(call: Callable[[], Any]) -> tuple[str, Any]:
    try:
        # Each operation is an entry point of its own, as the services' are.
        with transaction.atomic(durable=True):
            return "ok", call()
    except ledger.HoldExceeded as exc:
        return "hold_exceeded", exc
    except ledger.InsufficientFunds as exc:
        return "insufficient", exc
    except ledger.IdempotencyConflict as exc:
        return "conflict", exc
    except ledger.LedgerError as exc:
        return "refused", exc


def pick(items: list[Any], index: int) -> Any:
    return items[index % len(items)]


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tag = f"sm{next(_examples)}"
        self.keys = itertools.count(1)
        self.municipality = MunicipalityFactory()
        self.program = financing_program_make(municipality=self.municipality, budget_cap=BUDGET)
        self.providers = [ProviderFactory(municipality=self.municipality) for _ in range(2)]
        self.accounts: dict[int, ModelAccount] = {}
        budget = ledger_accounts.budget_account(financing_program=self.program)
        self.budget = self.track(budget, credits_posted=BUDGET)
        self.track(
            ledger_accounts.treasury_account(municipality=self.municipality), debits_posted=BUDGET
        )
        self.payable = [
            self.track(
                ledger_accounts.provider_account(provider=p, kind=AccountKind.PROVIDER_PAYABLE)
            )
            for p in self.providers
        ]
        self.paid = [
            self.track(ledger_accounts.provider_account(provider=p, kind=AccountKind.PROVIDER_PAID))
            for p in self.providers
        ]
        self.certificates: list[tuple[Any, int]] = []
        self.holds: list[tuple[Hold, ModelHold, int]] = []  # (hold, model, provider index)
        self.transfers: list[ModelTransfer] = []

    def track(self, account: Account, **totals: int) -> int:
        model = ModelAccount(guarded=account.debits_must_not_exceed_credits)
        model.totals.update(totals)
        self.accounts[account.pk] = model
        return account.pk

    def my_transfers(self) -> Any:
        """This example's transfers (found by account, which is indexed, not by key prefix)."""
        return Transfer.objects.filter(debit_account_id__in=self.accounts)

    def key(self, what: str) -> str:
        return f"{self.tag}:{what}:{next(self.keys)}"

    # --- one movement, predicted by the model and done by the ledger ---------------------------

    def effect(
        self, kind: str, amount: int, reverses: ModelTransfer | None
    ) -> tuple[dict[str, int], dict[str, int], int, int]:
        if kind == "reverse":
            assert reverses is not None
            debit, credit, posted, voided = self.effect(reverses.kind, amount, None)
            # The reversal's debit account is the original's credit account, and vice versa.
            return (
                {c: -v for c, v in credit.items()},
                {c: -v for c, v in debit.items()},
                -posted,
                -voided,
            )
        debit, credit, posted, voided = EFFECTS[kind]
        return (
            {c: v * amount for c, v in debit.items()},
            {c: v * amount for c, v in credit.items()},
            posted * amount,
            voided * amount,
        )

    def move(
        self,
        *,
        kind: str,
        debit: int,
        credit: int,
        amount: int,
        call: Callable[[], Any],
        conflicting: list[Callable[[], Any]],
        hold: ModelHold | None = None,
        reverses: ModelTransfer | None = None,
        key: str,
    ) -> Any:
        d, c, posted, voided = self.effect(kind, amount, reverses)
        if hold is not None and not hold.allows(posted, voided):
            expected = "hold_exceeded"
        elif not (self.accounts[debit].allows(d) and self.accounts[credit].allows(c)):
            expected = "insufficient"
        else:
            expected = "ok"
        outcome, result = outcome_of(call)
        assert outcome == expected, (kind, amount, result)
        if outcome != "ok":
            assert not Transfer.objects.filter(idempotency_key=key).exists()
            return None
        self.accounts[debit].totals = self.accounts[debit].after(d)
        self.accounts[credit].totals = self.accounts[credit].after(c)
        if hold is not None:
            hold.posted += posted
            hold.voided += voided
        transfer = (
            Transfer.objects.get(hold=result, kind=TransferKind.HOLD)
            if isinstance(result, Hold)
            else result
        )
        assert transfer.idempotency_key == key
        model = ModelTransfer(
            key=key,
            kind=kind,
            debit=debit,
            credit=credit,
            amount=amount,
            hold=hold,
            result_pk=result.pk,
            transfer_pk=transfer.pk,
            replay=call,
            conflicting=conflicting,
            reverses=reverses,
        )
        if reverses is not None:
            reverses.reversed_by = model
        self.transfers.append(model)
        return result

    # --- rules ---------------------------------------------------------------------------------

    @rule(amount=st.integers(1, 15_000))
    def issue_and_credit(self, amount: int) -> None:
        certificate = services.certificate_issue(child=ChildFactory(municipality=self.municipality))
        account = self.track(Account.objects.get(certificate=certificate))
        self.certificates.append((certificate, account))
        key = self.key("credit")

        def credit(amount: int = amount) -> Transfer:
            return ledger.transfer_credit(
                financing_program=self.program, certificate=certificate, amount=amount, key=key
            )

        self.move(
            kind="credit",
            debit=self.budget,
            credit=account,
            amount=amount,
            call=credit,
            conflicting=[lambda: credit(amount + 1)],
            key=key,
        )

    @precondition(lambda self: self.certificates)
    @rule(c=st.integers(0), p=st.integers(0, 1), amount=st.integers(1, 10_000))
    def hold(self, c: int, p: int, amount: int) -> None:
        certificate, account = pick(self.certificates, c)
        provider = self.providers[p]
        key, cause = self.key("hold"), self.key("contract")

        def create(amount: int = amount, key: str = key) -> Hold:
            return ledger.hold_create(
                certificate=certificate, provider=provider, amount=amount, cause=cause, key=key
            )

        hold = self.move(
            kind="hold",
            debit=account,
            credit=self.payable[p],
            amount=amount,
            call=create,
            # The same cause again under another key would reserve twice: a conflict.
            conflicting=[lambda: create(amount + 1), lambda: create(amount, f"{key}:again")],
            key=key,
        )
        if hold is not None:
            self.holds.append((hold, ModelHold(pk=hold.pk, amount=amount), p))

    @precondition(lambda self: self.holds)
    @rule(h=st.integers(0), amount=st.integers(1, 6_000))
    def post(self, h: int, amount: int) -> None:
        hold, model, _ = pick(self.holds, h)
        key = self.key("post")

        def post(amount: int = amount) -> Transfer:
            return ledger.hold_post(hold=hold, amount=amount, key=key)

        self.move(
            kind="post",
            debit=hold.debit_account_id,
            credit=hold.credit_account_id,
            amount=amount,
            hold=model,
            call=post,
            conflicting=[lambda: post(amount + 1)],
            key=key,
        )

    @precondition(lambda self: self.holds)
    @rule(h=st.integers(0), part=st.none() | st.integers(1, 6_000))
    def void(self, h: int, part: int | None) -> None:
        hold, model, _ = pick(self.holds, h)
        key = self.key("void")
        amount = model.remaining if part is None else part
        if amount == 0:
            assert outcome_of(lambda: ledger.hold_void(hold=hold, key=key)) == ("ok", None)
            return

        def void(amount: int | None = part) -> Transfer | None:
            return ledger.hold_void(hold=hold, key=key, amount=amount)

        self.move(
            kind="void",
            debit=hold.debit_account_id,
            credit=hold.credit_account_id,
            amount=amount,
            hold=model,
            call=void,
            conflicting=[lambda: void(amount + 1)],
            key=key,
        )

    @precondition(lambda self: self.transfers)
    @rule(t=st.integers(0))
    def reverse(self, t: int) -> None:
        original: ModelTransfer = pick(self.transfers, t)
        key = self.key("reverse")
        transfer = Transfer.objects.get(pk=original.transfer_pk)

        def reverse() -> Transfer:
            return ledger.transfer_reverse(transfer=transfer, key=key)

        if original.kind not in REVERSIBLE or original.reversed_by is not None:
            outcome, result = outcome_of(reverse)
            # Plain refusal (neither a money shortage nor a conflict), and nothing recorded.
            assert outcome == "refused", result
            assert not Transfer.objects.filter(idempotency_key=key).exists()
            return
        self.move(
            kind="reverse",
            debit=original.credit,
            credit=original.debit,
            amount=original.amount,
            hold=original.hold,
            reverses=original,
            call=reverse,
            conflicting=[],
            key=key,
        )

    @precondition(lambda self: self.transfers)
    @rule(t=st.integers(0))
    def reverse_again_with_another_key(self, t: int) -> None:
        reversed_ = [m for m in self.transfers if m.reversed_by is not None]
        if not reversed_:
            return
        original = pick(reversed_, t)
        transfer = Transfer.objects.get(pk=original.transfer_pk)
        outcome, result = outcome_of(
            lambda: ledger.transfer_reverse(transfer=transfer, key=self.key("reverse"))
        )
        assert outcome == "refused", result

    @rule(p=st.integers(0, 1), amount=st.integers(1, 6_000))
    def pay(self, p: int, amount: int) -> None:
        provider = self.providers[p]
        key = self.key("pay")

        def pay(amount: int = amount) -> Transfer:
            return ledger.transfer_pay(provider=provider, amount=amount, key=key)

        self.move(
            kind="pay",
            debit=self.payable[p],
            credit=self.paid[p],
            amount=amount,
            call=pay,
            conflicting=[lambda: pay(amount + 1)],
            key=key,
        )

    @precondition(lambda self: self.certificates)
    @rule(c=st.integers(0), amount=st.integers(1, 5_000))
    def expire(self, c: int, amount: int) -> None:
        certificate, account = pick(self.certificates, c)
        key = self.key("expire")

        def expire(amount: int = amount) -> Transfer:
            return ledger.transfer_expire(
                certificate=certificate, financing_program=self.program, amount=amount, key=key
            )

        self.move(
            kind="expire",
            debit=account,
            credit=self.budget,
            amount=amount,
            call=expire,
            conflicting=[lambda: expire(amount + 1)],
            key=key,
        )

    @precondition(lambda self: self.transfers)
    @rule(t=st.integers(0))
    def retry(self, t: int) -> None:
        """The same call with the same key: the same result, and no money moves."""
        done: ModelTransfer = pick(self.transfers, t)
        outcome, result = outcome_of(done.replay)
        assert outcome == "ok", result
        assert result.pk == done.result_pk

    @precondition(lambda self: any(m.conflicting for m in self.transfers))
    @rule(t=st.integers(0), variant=st.integers(0))
    def retry_with_other_content(self, t: int, variant: int) -> None:
        done: ModelTransfer = pick([m for m in self.transfers if m.conflicting], t)
        outcome, result = outcome_of(pick(done.conflicting, variant))
        assert outcome == "conflict", result

    # --- invariants after every step -----------------------------------------------------------

    @invariant()
    def database_equals_model(self) -> None:
        stored = {
            row["pk"]: {c: row[c] for c in COLUMNS}
            for row in Account.objects.filter(pk__in=self.accounts).values("pk", *COLUMNS)
        }
        assert stored == {pk: m.totals for pk, m in self.accounts.items()}
        holds = {
            pk: (amount, posted, voided)
            for pk, amount, posted, voided in Hold.objects.filter(
                pk__in=[m.pk for _, m, _ in self.holds]
            ).values_list("pk", "amount", "posted", "voided")
        }
        assert holds == {m.pk: (m.amount, m.posted, m.voided) for _, m, _ in self.holds}
        # Exactly one transfer per successful operation (plus the budget's funding): retries
        # moved nothing.
        assert self.my_transfers().count() == len(self.transfers) + 1

    @invariant()
    def nothing_available_is_negative(self) -> None:
        negative = Q()
        for c in COLUMNS:
            negative |= Q(**{f"{c}__lt": 0})
        overdrawn = Q(
            debits_must_not_exceed_credits=True,
            credits_posted__lt=F("debits_posted") + F("debits_pending"),
        )
        assert not Account.objects.filter(pk__in=self.accounts).filter(negative | overdrawn)
        for model in self.accounts.values():
            t = model.totals
            if model.guarded:
                assert t["credits_posted"] - t["debits_posted"] - t["debits_pending"] >= 0

    @invariant()
    def accounts_sum_to_zero(self) -> None:
        # The example's accounts are a closed system (its own treasury feeds its budget), so
        # their sum is zero by itself; the whole ledger's sum is checked after the run.
        sums = Account.objects.filter(pk__in=self.accounts).aggregate(
            posted=Sum(F("credits_posted") - F("debits_posted")),
            pending=Sum(F("credits_pending") - F("debits_pending")),
        )
        assert sums == {"posted": 0, "pending": 0}

    @invariant()
    def keys_are_unique(self) -> None:
        repeated = (
            self.my_transfers().values("idempotency_key").annotate(n=Count("pk")).filter(n__gt=1)
        )
        assert not repeated


@pytest.mark.django_db(transaction=True)
def test_ledger_agrees_with_the_model_under_random_operations():
    run_state_machine_as_test(LedgerMachine, settings=SETTINGS)
    # Every example together: the auditor of `kruzhok ledger check` finds nothing wrong.
    failed = [r.line() for r in ledger_audit() if not r.ok]
    assert not failed, failed
