"""The ledger's guarantees, each in a test that fails if the guarantee breaks."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum

from kruzhok.certificates import ledger, ledger_accounts
from kruzhok.certificates.models import Account, AccountKind, Hold, Transfer, TransferKind
from kruzhok.certificates.tests.factories import ProviderFactory, financing_program_make

pytestmark = pytest.mark.django_db

RUB = 100  # kopecks


def totals(account: Account) -> dict[str, int]:
    account.refresh_from_db()
    return {
        "debits_pending": account.debits_pending,
        "debits_posted": account.debits_posted,
        "credits_pending": account.credits_pending,
        "credits_posted": account.credits_posted,
    }


def figures(account: Account) -> tuple[int, int, int]:
    """(balance, reserved, available) as the cabinet shows them."""
    account.refresh_from_db()
    return account.balance, account.reserved, account.available


def assert_ledger_sums_to_zero() -> None:
    sums = Account.objects.aggregate(
        posted=Sum(F("credits_posted") - F("debits_posted")),
        pending=Sum(F("credits_pending") - F("debits_pending")),
    )
    assert sums == {"posted": 0, "pending": 0}


@pytest.fixture
def funded(program, certificate):
    """A certificate credited with 10 000 ₽."""
    ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=10_000 * RUB, key="credit:1"
    )
    return certificate


@pytest.fixture
def hold(funded, provider) -> Hold:
    """3 000 ₽ reserved for a contract."""
    return ledger.hold_create(
        certificate=funded, provider=provider, amount=3_000 * RUB, cause="contract:1", key="hold:1"
    )


def cert_account(certificate) -> Account:
    return ledger_accounts.certificate_account(certificate=certificate)


def payable(provider) -> Account:
    return ledger_accounts.provider_account(provider=provider, kind=AccountKind.PROVIDER_PAYABLE)


# --- funding and crediting -----------------------------------------------------------------------


def test_program_creation_funds_the_budget_from_the_treasury(program):
    budget = ledger_accounts.budget_account(financing_program=program)
    treasury = ledger_accounts.treasury_account(municipality=program.municipality)
    assert budget.balance == program.budget_cap
    assert treasury.balance == -program.budget_cap
    assert not treasury.debits_must_not_exceed_credits
    assert budget.debits_must_not_exceed_credits
    assert_ledger_sums_to_zero()


def test_credit_within_budget_moves_the_nominal_to_the_certificate(program, certificate):
    transfer = ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=20_000 * RUB, key="credit:a"
    )
    assert transfer.kind == TransferKind.CREDIT
    assert figures(cert_account(certificate)) == (20_000 * RUB, 0, 20_000 * RUB)
    budget = ledger_accounts.budget_account(financing_program=program)
    assert budget.balance == program.budget_cap - 20_000 * RUB
    assert_ledger_sums_to_zero()


def test_credit_past_the_budget_is_refused_and_leaves_no_transfer(municipality, certificate):
    small = financing_program_make(municipality=municipality, budget_cap=5_000 * RUB)
    before = Transfer.objects.count()
    with pytest.raises(ledger.InsufficientFunds, match="исчерпаны"):
        ledger.transfer_credit(
            financing_program=small, certificate=certificate, amount=5_001 * RUB, key="credit:x"
        )
    assert Transfer.objects.count() == before
    assert not Transfer.objects.filter(idempotency_key="credit:x").exists()
    assert figures(cert_account(certificate)) == (0, 0, 0)
    assert ledger_accounts.budget_account(financing_program=small).balance == 5_000 * RUB
    # The budget to the last kopeck is still spendable.
    ledger.transfer_credit(
        financing_program=small, certificate=certificate, amount=5_000 * RUB, key="credit:y"
    )
    assert ledger_accounts.budget_account(financing_program=small).balance == 0


def test_a_zero_or_negative_amount_is_refused(program, certificate):
    for amount in (0, -1):
        with pytest.raises(ledger.LedgerError):
            ledger.transfer_credit(
                financing_program=program, certificate=certificate, amount=amount, key="c:0"
            )
    assert not Transfer.objects.filter(idempotency_key="c:0").exists()


# --- holds ---------------------------------------------------------------------------------------


def test_hold_reserves_money_without_spending_it(hold, funded, provider):
    assert figures(cert_account(funded)) == (10_000 * RUB, 3_000 * RUB, 7_000 * RUB)
    assert totals(payable(provider))["credits_pending"] == 3_000 * RUB
    assert hold.remaining == 3_000 * RUB
    assert_ledger_sums_to_zero()


def test_hold_larger_than_available_is_refused_and_leaves_nothing(funded, provider):
    with pytest.raises(ledger.InsufficientFunds, match="недостаточно свободных средств"):
        ledger.hold_create(
            certificate=funded, provider=provider, amount=10_001 * RUB, cause="c:big", key="h:big"
        )
    assert not Hold.objects.filter(cause="c:big").exists()
    assert not Transfer.objects.filter(idempotency_key="h:big").exists()
    assert figures(cert_account(funded)) == (10_000 * RUB, 0, 10_000 * RUB)


def test_second_hold_cannot_reserve_what_the_first_reserved(hold, funded, provider):
    with pytest.raises(ledger.InsufficientFunds):
        ledger.hold_create(
            certificate=funded, provider=provider, amount=7_001 * RUB, cause="c:2", key="h:2"
        )
    ledger.hold_create(
        certificate=funded, provider=provider, amount=7_000 * RUB, cause="c:2", key="h:2"
    )
    assert figures(cert_account(funded)) == (10_000 * RUB, 10_000 * RUB, 0)


def test_post_moves_money_from_reserved_to_spent(hold, funded, provider):
    ledger.hold_post(hold=hold, amount=500 * RUB, key="post:1")
    assert figures(cert_account(funded)) == (9_500 * RUB, 2_500 * RUB, 7_000 * RUB)
    assert totals(payable(provider)) == {
        "debits_pending": 0,
        "debits_posted": 0,
        "credits_pending": 2_500 * RUB,
        "credits_posted": 500 * RUB,
    }
    hold.refresh_from_db()
    assert (hold.posted, hold.voided, hold.remaining) == (500 * RUB, 0, 2_500 * RUB)
    assert_ledger_sums_to_zero()


def test_post_beyond_the_hold_is_refused(hold, funded):
    ledger.hold_post(hold=hold, amount=2_000 * RUB, key="post:1")
    with pytest.raises(ledger.HoldExceeded):
        ledger.hold_post(hold=hold, amount=1_000 * RUB + 1, key="post:2")
    assert not Transfer.objects.filter(idempotency_key="post:2").exists()
    hold.refresh_from_db()
    assert hold.posted == 2_000 * RUB
    # Money available on the certificate does not let a post exceed its hold.
    assert cert_account(funded).available == 7_000 * RUB
    ledger.hold_post(hold=hold, amount=1_000 * RUB, key="post:2")
    hold.refresh_from_db()
    assert hold.remaining == 0


def test_void_releases_exactly_the_remainder(hold, funded, provider):
    ledger.hold_post(hold=hold, amount=1_200 * RUB, key="post:1")
    void = ledger.hold_void(hold=hold, key="void:1")
    assert void is not None and void.amount == 1_800 * RUB
    hold.refresh_from_db()
    assert (hold.posted, hold.voided, hold.remaining) == (1_200 * RUB, 1_800 * RUB, 0)
    assert figures(cert_account(funded)) == (8_800 * RUB, 0, 8_800 * RUB)
    assert totals(payable(provider))["credits_pending"] == 0
    # Nothing is left: a second void with a fresh key moves nothing.
    assert ledger.hold_void(hold=hold, key="void:2") is None
    # The same key again returns the same void.
    assert ledger.hold_void(hold=hold, key="void:1") == void
    assert_ledger_sums_to_zero()


def test_partial_void_then_post_of_the_rest(hold, funded):
    ledger.hold_void(hold=hold, key="void:part", amount=1_000 * RUB)
    with pytest.raises(ledger.HoldExceeded):
        ledger.hold_post(hold=hold, amount=2_000 * RUB + 1, key="post:x")
    ledger.hold_post(hold=hold, amount=2_000 * RUB, key="post:x")
    assert figures(cert_account(funded)) == (8_000 * RUB, 0, 8_000 * RUB)


def test_hold_with_the_same_cause_and_another_key_does_not_reserve_twice(hold, funded, provider):
    with pytest.raises(ledger.IdempotencyConflict):
        ledger.hold_create(
            certificate=funded, provider=provider, amount=3_000 * RUB, cause="contract:1", key="h:x"
        )
    assert figures(cert_account(funded)) == (10_000 * RUB, 3_000 * RUB, 7_000 * RUB)
    assert Transfer.objects.filter(hold=hold, kind=TransferKind.HOLD).count() == 1


def test_hold_retry_returns_the_same_hold(hold, funded, provider):
    again = ledger.hold_create(
        certificate=funded, provider=provider, amount=3_000 * RUB, cause="contract:1", key="hold:1"
    )
    assert again.pk == hold.pk
    assert figures(cert_account(funded)) == (10_000 * RUB, 3_000 * RUB, 7_000 * RUB)
    with pytest.raises(ledger.IdempotencyConflict):
        ledger.hold_create(
            certificate=funded,
            provider=provider,
            amount=2_000 * RUB,
            cause="contract:1",
            key="hold:1",
        )


# --- reversal ------------------------------------------------------------------------------------


def test_reverse_of_a_post_restores_the_hold(hold, funded, provider):
    post = ledger.hold_post(hold=hold, amount=700 * RUB, key="post:1")
    reversal = ledger.transfer_reverse(transfer=post, key="reverse:post:1")
    assert reversal.kind == TransferKind.REVERSE and reversal.reverses == post
    assert (reversal.debit_account_id, reversal.credit_account_id) == (
        post.credit_account_id,
        post.debit_account_id,
    )
    # Balance back, reserved back, the hold can be posted in full again.
    assert figures(cert_account(funded)) == (10_000 * RUB, 3_000 * RUB, 7_000 * RUB)
    assert totals(payable(provider)) == {
        "debits_pending": 0,
        "debits_posted": 0,
        "credits_pending": 3_000 * RUB,
        "credits_posted": 0,
    }
    hold.refresh_from_db()
    assert (hold.posted, hold.remaining) == (0, 3_000 * RUB)
    assert_ledger_sums_to_zero()


def test_reverse_happens_at_most_once(hold):
    post = ledger.hold_post(hold=hold, amount=700 * RUB, key="post:1")
    first = ledger.transfer_reverse(transfer=post, key="reverse:1")
    assert ledger.transfer_reverse(transfer=post, key="reverse:1") == first
    with pytest.raises(ledger.LedgerError, match="уже сторнирована"):
        ledger.transfer_reverse(transfer=post, key="reverse:2")
    assert Transfer.objects.filter(kind=TransferKind.REVERSE).count() == 1
    assert not Transfer.objects.filter(idempotency_key="reverse:2").exists()


def test_a_hold_or_a_reversal_cannot_be_reversed(hold, program, funded):
    hold_transfer = Transfer.objects.get(hold=hold, kind=TransferKind.HOLD)
    with pytest.raises(ledger.LedgerError):
        ledger.transfer_reverse(transfer=hold_transfer, key="r:hold")
    post = ledger.hold_post(hold=hold, amount=100 * RUB, key="post:1")
    reversal = ledger.transfer_reverse(transfer=post, key="r:post")
    with pytest.raises(ledger.LedgerError):
        ledger.transfer_reverse(transfer=reversal, key="r:r")
    assert not Transfer.objects.filter(idempotency_key__in=["r:hold", "r:r"]).exists()


def test_reverse_of_a_credit_is_refused_while_money_is_reserved(hold, funded, program):
    credit = Transfer.objects.get(idempotency_key="credit:1")
    with pytest.raises(ledger.InsufficientFunds):
        ledger.transfer_reverse(transfer=credit, key="r:credit")
    ledger.hold_void(hold=hold, key="void:1")
    ledger.transfer_reverse(transfer=credit, key="r:credit")
    assert figures(cert_account(funded)) == (0, 0, 0)
    budget = ledger_accounts.budget_account(financing_program=program)
    assert budget.balance == program.budget_cap
    assert_ledger_sums_to_zero()


def test_reverse_of_a_post_already_paid_out_is_refused(hold, provider):
    post = ledger.hold_post(hold=hold, amount=700 * RUB, key="post:1")
    ledger.transfer_pay(provider=provider, amount=700 * RUB, key="pay:1")
    with pytest.raises(ledger.InsufficientFunds):
        ledger.transfer_reverse(transfer=post, key="r:post")
    assert not Transfer.objects.filter(idempotency_key="r:post").exists()


# --- paying providers ----------------------------------------------------------------------------


def test_provider_is_paid_only_what_was_charged(hold, provider):
    ledger.hold_post(hold=hold, amount=700 * RUB, key="post:1")
    with pytest.raises(ledger.InsufficientFunds):
        ledger.transfer_pay(provider=provider, amount=700 * RUB + 1, key="pay:1")
    ledger.transfer_pay(provider=provider, amount=700 * RUB, key="pay:1")
    paid = ledger_accounts.provider_account(provider=provider, kind=AccountKind.PROVIDER_PAID)
    assert paid.balance == 700 * RUB
    assert payable(provider).balance == 0


def test_provider_account_kind_is_checked(provider):
    with pytest.raises(ValueError):
        ledger_accounts.provider_account(provider=provider, kind=AccountKind.CERTIFICATE)


# --- idempotency ---------------------------------------------------------------------------------


def test_same_key_same_content_returns_the_same_transfer(program, certificate):
    first = ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=100 * RUB, key="credit:k"
    )
    count = Transfer.objects.count()
    second = ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=100 * RUB, key="credit:k"
    )
    assert second.pk == first.pk
    assert Transfer.objects.count() == count
    assert cert_account(certificate).balance == 100 * RUB


def test_same_key_different_content_raises_conflict(program, certificate, hold):
    ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=100 * RUB, key="credit:k"
    )
    before = totals(cert_account(certificate))
    with pytest.raises(ledger.IdempotencyConflict, match="credit:k"):
        ledger.transfer_credit(
            financing_program=program, certificate=certificate, amount=200 * RUB, key="credit:k"
        )
    # A key is a key whatever the kind of operation.
    with pytest.raises(ledger.IdempotencyConflict):
        ledger.hold_post(hold=hold, amount=100 * RUB, key="credit:k")
    with pytest.raises(ledger.IdempotencyConflict):
        ledger.hold_void(hold=hold, key="credit:k")
    assert totals(cert_account(certificate)) == before


def test_post_retry_moves_money_once(hold, funded):
    first = ledger.hold_post(hold=hold, amount=300 * RUB, key="post:1")
    second = ledger.hold_post(hold=hold, amount=300 * RUB, key="post:1")
    assert first.pk == second.pk
    assert figures(cert_account(funded)) == (9_700 * RUB, 2_700 * RUB, 7_000 * RUB)


# --- invariants over a sequence ------------------------------------------------------------------


def test_accounts_sum_to_zero_after_a_sequence(program, funded, provider, municipality):
    other = ProviderFactory(municipality=municipality)
    h1 = ledger.hold_create(
        certificate=funded, provider=provider, amount=4_000 * RUB, cause="c:1", key="h:1"
    )
    h2 = ledger.hold_create(
        certificate=funded, provider=other, amount=2_500 * RUB, cause="c:2", key="h:2"
    )
    p1 = ledger.hold_post(hold=h1, amount=1_000 * RUB, key="p:1")
    ledger.hold_post(hold=h1, amount=1_500 * RUB, key="p:2")
    ledger.hold_post(hold=h2, amount=2_500 * RUB, key="p:3")
    ledger.transfer_reverse(transfer=p1, key="r:1")
    ledger.hold_void(hold=h1, key="v:1")
    ledger.transfer_pay(provider=provider, amount=1_500 * RUB, key="pay:1")
    ledger.transfer_pay(provider=other, amount=2_000 * RUB, key="pay:2")
    ledger.transfer_expire(
        certificate=funded, financing_program=program, amount=1_000 * RUB, key="e:1"
    )
    assert_ledger_sums_to_zero()
    # 10 000 credited − 1 500 − 2 500 spent − 1 000 expired.
    assert figures(cert_account(funded)) == (5_000 * RUB, 0, 5_000 * RUB)
    assert payable(provider).balance == 0
    assert payable(other).balance == 500 * RUB
    for account in Account.objects.filter(debits_must_not_exceed_credits=True):
        assert account.available >= 0


def test_transfer_effect_on_recomputes_every_account(program, funded, hold, provider):
    post = ledger.hold_post(hold=hold, amount=1_000 * RUB, key="p:1")
    ledger.hold_post(hold=hold, amount=500 * RUB, key="p:2")
    ledger.transfer_reverse(transfer=post, key="r:1")
    ledger.hold_void(hold=hold, key="v:1")
    ledger.transfer_pay(provider=provider, amount=200 * RUB, key="pay:1")
    for account in Account.objects.all():
        recomputed = dict.fromkeys(totals(account), 0)
        for transfer in Transfer.objects.filter(debit_account=account) | Transfer.objects.filter(
            credit_account=account
        ):
            for column, delta in ledger.transfer_effect_on(transfer, account.pk).items():
                recomputed[column] += delta
        assert recomputed == totals(account), account


# --- the database is the backstop ----------------------------------------------------------------


def test_database_refuses_to_update_a_transfer(hold):
    transfer = Transfer.objects.get(hold=hold)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(amount=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).update(description="исправлено")
    transfer.refresh_from_db()
    assert transfer.amount == 3_000 * RUB


@pytest.mark.postgres
def test_database_refuses_to_delete_a_transfer(hold):
    transfer = Transfer.objects.get(hold=hold)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.filter(pk=transfer.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM certificates_transfer WHERE id = %s", [transfer.pk])
    assert Transfer.objects.filter(pk=transfer.pk).exists()


def test_database_refuses_debits_beyond_credits(funded):
    account = cert_account(funded)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(debits_posted=F("credits_posted") + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=account.pk).update(debits_pending=F("credits_posted") + 1)
    assert figures(account) == (10_000 * RUB, 0, 10_000 * RUB)


def test_database_refuses_a_hold_posted_beyond_its_amount(hold):
    with pytest.raises(IntegrityError), transaction.atomic():
        Hold.objects.filter(pk=hold.pk).update(posted=F("amount") + 1)


def test_database_refuses_a_second_reversal_of_one_transfer(hold):
    post = ledger.hold_post(hold=hold, amount=100 * RUB, key="p:1")
    ledger.transfer_reverse(transfer=post, key="r:1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            kind=TransferKind.REVERSE,
            debit_account_id=post.credit_account_id,
            credit_account_id=post.debit_account_id,
            amount=post.amount,
            hold=hold,
            reverses=post,
            idempotency_key="r:2",
        )


# --- what the lean path returns is what it stored ------------------------------------------------


def test_a_returned_transfer_is_the_stored_row(hold):
    post = ledger.hold_post(hold=hold, amount=100 * RUB, key="post:1", description="Занятие")
    stored = Transfer.objects.get(pk=post.pk)
    fields = ("kind", "debit_account_id", "credit_account_id", "amount", "hold_id")
    assert [getattr(post, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert (post.idempotency_key, post.description) == (stored.idempotency_key, "Занятие")
    assert post.created_at == stored.created_at
    assert not post._state.adding
    # A retry returns the stored row itself.
    assert ledger.hold_post(hold=hold, amount=100 * RUB, key="post:1").created_at == (
        stored.created_at
    )


def test_a_returned_hold_is_the_stored_row(hold):
    stored = Hold.objects.get(pk=hold.pk)
    fields = ("debit_account_id", "credit_account_id", "amount", "posted", "voided", "cause")
    assert [getattr(hold, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert hold.created_at == stored.created_at


# Durability: money moves only inside an entry point's durable transaction -------------------


@pytest.mark.django_db(transaction=True)
def test_the_ledger_refuses_to_move_money_outside_a_durable_transaction(municipality, certificate):
    program = financing_program_make(municipality=municipality)

    def credit(key: str) -> Transfer:
        return ledger.transfer_credit(
            financing_program=program, certificate=certificate, amount=RUB, key=key
        )

    with pytest.raises(RuntimeError, match="durable"):
        credit("credit:bare")
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        credit("credit:nested")
    assert not Transfer.objects.filter(idempotency_key__startswith="credit:").exists()

    with transaction.atomic(durable=True):
        credit("credit:durable")
    assert Transfer.objects.filter(idempotency_key="credit:durable").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_savepoint_inside_the_durable_transaction_is_fine(municipality, certificate):
    program = financing_program_make(municipality=municipality)
    with transaction.atomic(durable=True), transaction.atomic():
        ledger.transfer_credit(
            financing_program=program, certificate=certificate, amount=RUB, key="credit:inner"
        )
    assert Transfer.objects.filter(idempotency_key="credit:inner").exists()
