"""Crash injection for tests: a database failure between any two statements of a service.

`FailAfter(n)` is an execute wrapper (`connection.execute_wrapper`) that lets the n-th
statement inside the service's transaction run and then raises `InjectedFailure` — an
OperationalError, what a lost connection or a killed server looks like to Django — and keeps
failing every later statement of that transaction, as a dead connection would.
`crash_everywhere` runs a service once to count its statements, then once per position
n = 1..count with the failure injected there, each run inside a savepoint rolled back after
it, so every run starts from the same state. A service's durable transaction is a savepoint
inside the test's transaction: its failure rolls back to that savepoint exactly as a real
ROLLBACK would, and its commit is a RELEASE that keeps its changes for what follows (which is
how a service made of several transactions is checked)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction

from kruzhok.attendance.models import AttendanceMark
from kruzhok.catalog.models import Group
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.certificates.models import Account, Certificate, FinancingProgram, Hold, Transfer
from kruzhok.common.models import AuditEvent, NumberSequence
from kruzhok.enrollment.models import Application, Charge, Contract
from kruzhok.notifications.models import Notification


class InjectedFailure(OperationalError):
    """The database went away between two statements (injected by a test)."""


class FailAfter:
    """Count the statements run inside the service's transaction; right after the n-th one
    the database is gone: that statement's result is lost and every later statement inside
    a transaction fails too (as on a dropped connection), until the transaction is over."""

    def __init__(self, n: int | None) -> None:
        self.n = n
        self.count = 0
        self.fired_after = ""

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if not _in_service_transaction(context["connection"]):
            return execute(sql, params, many, context)
        if self.fired_after:
            raise InjectedFailure(f"the database is gone (since statement {self.n})")
        result = execute(sql, params, many, context)
        self.count += 1
        if self.count == self.n:
            self.fired_after = sql
            raise InjectedFailure(f"injected after statement {self.n}: {sql[:120]}")
        return result


def _in_service_transaction(connection: Any) -> bool:
    """Inside an atomic block of the code under test, not only the test's own. As in
    production, the block's opening SAVEPOINT (BEGIN) and closing RELEASE (COMMIT) are not
    inside: Django runs them before it pushes and after it pops the block."""
    return any(not block._from_testcase for block in connection.atomic_blocks)


@contextmanager
def rolled_back() -> Iterator[None]:
    """Whatever happens inside is undone afterwards (the test's own savepoint)."""
    sid = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(sid)


def statements_of(run: Callable[[], Any], *, expected: type[Exception] | None = None) -> int:
    """How many statements a clean run executes inside transactions (the run is undone).
    `expected`: the exception a clean run ends with (a refusal), if any."""
    counter = FailAfter(None)
    with rolled_back(), connection.execute_wrapper(counter):
        if expected is None:
            run()
        else:
            with pytest.raises(expected):
                run()
    return counter.count


def crash_everywhere(
    run: Callable[[], Any],
    check: Callable[[int, str], None],
    *,
    at_least: int = 1,
    expected: type[Exception] | None = None,
) -> int:
    """Inject a failure after each statement of a clean run of `run` in turn; after each
    aborted run call `check(n, statement)` (before the run is undone). An aborted run must
    end in an exception, whichever: a run reporting success after a statement failed would
    be lying to its caller. Returns how many statements a clean run has."""
    total = statements_of(run, expected=expected)
    assert total >= at_least, f"only {total} statements: is the wrapper seeing the service?"
    for n in range(1, total + 1):
        with rolled_back():
            injector = FailAfter(n)
            with connection.execute_wrapper(injector):
                try:
                    run()
                except Exception:  # the failure, or what the service made of it
                    pass
                else:
                    raise AssertionError(f"success reported after statement {n} failed")
            assert injector.fired_after, f"statement {n} never ran"
            check(n, injector.fired_after)
    return total


def audit_failures() -> list[str]:
    """The lines `kruzhok ledger check` would print as FAIL."""
    return [result.line() for result in ledger_audit() if not result.ok]


def business_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row a money-moving service may write, as comparable tuples."""

    def rows(queryset: Any, *fields: str) -> list[tuple[Any, ...]]:
        return list(queryset.order_by("pk").values_list("pk", *fields))

    return {
        "transfers": rows(
            Transfer.objects,
            "kind",
            "debit_account_id",
            "credit_account_id",
            "amount",
            "hold_id",
            "reverses_id",
            "idempotency_key",
        ),
        "accounts": rows(
            Account.objects,
            "debits_pending",
            "debits_posted",
            "credits_pending",
            "credits_posted",
        ),
        "holds": rows(Hold.objects, "amount", "posted", "voided", "cause"),
        "charges": rows(
            Charge.objects,
            "contract_id",
            "lesson_id",
            "certificate_amount",
            "parent_amount",
            "transfer_id",
            "reversal_id",
            "reversed_at",
        ),
        "contracts": rows(Contract.objects, "hold_id", "certificate_part", "terminated_on"),
        "applications": rows(Application.objects, "status", "reason"),
        "certificates": rows(
            Certificate.objects,
            "status",
            "financing_program_id",
            "nominal",
            "valid_from",
            "valid_to",
            "accounting_reason",
        ),
        "financing_programs": rows(FinancingProgram.objects, "funded_count", "closed_at"),
        "marks": rows(AttendanceMark.objects, "present"),
        "seats": rows(Group.objects, "seats_taken"),
        "sequences": rows(NumberSequence.objects, "name", "last_value"),
        "audit": rows(AuditEvent.objects, "action"),
        "notifications": rows(Notification.objects, "subject"),
    }


def nothing_changed(before: dict[str, list[tuple[Any, ...]]]) -> Callable[[int, str], None]:
    """A `check` for a one-transaction service: the ledger audits clean and every business row
    is exactly as before the run."""

    def check(n: int, statement: str) -> None:
        failed = audit_failures()
        assert not failed, (n, statement, failed)
        after = business_rows()
        changed = {name: after[name] for name in before if after[name] != before[name]}
        assert not changed, (
            f"partial state after a failure at statement {n} ({statement}): {changed}"
        )

    return check
