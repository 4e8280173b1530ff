"""`kruzhok ledger check`: clean ledgers pass; every kind of tampering is named."""

import io

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F

from kruzhok.certificates import ledger
from kruzhok.certificates.models import Account, Hold, Transfer, TransferKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_ledger(program, certificate, provider):
    """Every kind of transfer at least once, reversals included."""
    ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=1_000_000, key="credit"
    )
    hold = ledger.hold_create(
        certificate=certificate, provider=provider, amount=600_000, cause="contract:1", key="hold"
    )
    post = ledger.hold_post(hold=hold, amount=100_000, key="post:1")
    ledger.hold_post(hold=hold, amount=150_000, key="post:2")
    ledger.transfer_reverse(transfer=post, key="reverse:post:1")
    void = ledger.hold_void(hold=hold, key="void:part", amount=50_000)
    assert void is not None
    ledger.transfer_reverse(transfer=void, key="reverse:void")
    ledger.transfer_pay(provider=provider, amount=100_000, key="pay")
    ledger.transfer_expire(
        certificate=certificate, financing_program=program, amount=10_000, key="expire"
    )
    ledger.hold_void(hold=hold, key="void:rest")
    return hold


def run_check() -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("ledger", "check", stdout=out, no_color=True)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def test_a_clean_ledger_passes_every_check(busy_ledger):
    output, error = run_check()
    assert error is None, output
    lines = output.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "ok   balances",
        "ok   zero-sum",
        "ok   available",
        "ok   holds",
        "ok   keys",
    ]
    accounts = Account.objects.count()
    assert lines[0] == f"ok   balances: {accounts} accounts match their transfers"
    assert lines[3] == "ok   holds: 1 holds match their transfers"
    assert (
        lines[4] == f"ok   keys: {Transfer.objects.count()} transfers, no idempotency key repeated"
    )


def test_an_empty_ledger_passes(db):
    output, error = run_check()
    assert error is None, output
    assert "ok   balances: 0 accounts match their transfers" in output


def test_a_tampered_account_total_fails_and_names_the_account(busy_ledger, certificate):
    account = Account.objects.get(certificate=certificate)
    Account.objects.filter(pk=account.pk).update(credits_posted=F("credits_posted") + 100)
    output, error = run_check()
    assert error is not None and error.returncode == 1
    assert "balances" in str(error) and "zero-sum" in str(error)
    assert (
        f"FAIL balances: 1 accounts differ: #{account.pk} certificate {certificate.number} "
        "(credits_posted 1000100, transfers say 1000000)"
    ) in output
    assert (
        "FAIL zero-sum: credits minus debits over all accounts is 100 posted, 0 pending" in output
    )
    assert "ok   holds" in output and "ok   keys" in output


def test_the_command_line_exits_non_zero_on_a_violation(busy_ledger, provider, capsys):
    payable = Account.objects.get(provider=provider, kind="provider_payable")
    Account.objects.filter(pk=payable.pk).update(credits_pending=F("credits_pending") + 1)
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["kruzhok", "ledger", "check"])
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert f"FAIL balances: 1 accounts differ: #{payable.pk} provider_payable" in captured.out
    assert "FAIL zero-sum" in captured.out
    assert "ledger check failed" in captured.err


def test_the_command_line_exits_zero_when_clean(busy_ledger, capsys):
    execute_from_command_line(["kruzhok", "ledger", "check"])
    assert "FAIL" not in capsys.readouterr().out


def test_a_tampered_hold_fails_and_names_the_hold(busy_ledger):
    hold = busy_ledger
    Hold.objects.filter(pk=hold.pk).update(posted=F("posted") - 1, voided=F("voided") + 1)
    output, error = run_check()
    assert error is not None
    assert "ok   balances" in output
    assert f"FAIL holds: 1 holds differ: #{hold.pk} contract:1 (posted 149999, transfers say " in (
        output
    )


def test_a_subcommand_is_required():
    with pytest.raises(CommandError):
        call_command("ledger")


def _drop_constraint(table: str, sqlite_pragma: str | None, postgres_constraint: str) -> None:
    """Switch a database backstop off for the rest of this test's transaction."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks of this transaction must run before an ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{postgres_constraint}"')
        elif sqlite_pragma:
            cursor.execute(sqlite_pragma)
        else:
            pytest.skip("SQLite cannot drop this constraint inside a test")


def test_an_overdrawn_account_fails_the_available_check(busy_ledger, certificate):
    # The CHECK constraint forbids this; the audit must catch it where the constraint is gone.
    _drop_constraint(
        "certificates_account",
        "PRAGMA ignore_check_constraints = ON",
        "account_debits_within_credits",
    )
    try:
        account = Account.objects.get(certificate=certificate)
        Account.objects.filter(pk=account.pk).update(debits_pending=F("credits_posted") + 1)
        output, error = run_check()
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
    assert error is not None
    assert f"FAIL available: 1 accounts below zero: #{account.pk} certificate" in output


@pytest.mark.postgres
def test_a_repeated_idempotency_key_fails_the_keys_check(busy_ledger):
    _drop_constraint("certificates_transfer", None, "certificates_transfer_idempotency_key_key")
    original = Transfer.objects.get(idempotency_key="pay")
    Transfer.objects.create(
        kind=TransferKind.PAY,
        debit_account_id=original.debit_account_id,
        credit_account_id=original.credit_account_id,
        amount=1,
        idempotency_key="pay",
    )
    output, error = run_check()
    assert error is not None
    assert "FAIL keys: 1 keys repeated: pay ×2" in output
    # The orphan transfer moved no totals, so the balances check sees it too.
    assert "FAIL balances: 2 accounts differ" in output
