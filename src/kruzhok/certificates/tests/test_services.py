"""Issuing, numbering and funding certificates, and the services other apps move money by."""

import datetime

import pytest
from django.db import transaction

from kruzhok.certificates import ledger, ledger_accounts, services
from kruzhok.certificates.errors import InsufficientFunds, LedgerError
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.certificates.models import (
    Account,
    AccountKind,
    CertificateStatus,
    FinancingProgram,
    NominalBand,
    Transfer,
    TransferKind,
)
from kruzhok.certificates.tests.factories import (
    NOMINAL_OLD,
    NOMINAL_YOUNG,
    PERIOD_START,
    ChildFactory,
    certificate_fund_now,
    financing_program_make,
)
from kruzhok.common.validators import luhn_is_valid

pytestmark = pytest.mark.django_db


# --- numbers -------------------------------------------------------------------------------------


def test_certificate_number_is_region_sequence_and_luhn_digit():
    # By hand: body 2600000001; from the right, doubling every other digit starting with the
    # last: 1→2, 0, 0, 0, 0, 0, 0, 0, 6→12→3, 2 — sum 7, check digit (10 − 7) mod 10 = 3.
    number = services.certificate_number_make(region_code="26", sequence=1)
    assert number == "26000000013"
    assert luhn_is_valid(number)
    # One changed digit is caught.
    assert not luhn_is_valid("26000000014")
    assert not luhn_is_valid("26000000113")


def test_certificate_number_refuses_bad_input():
    for region_code, sequence in (("2", 1), ("2a", 1), ("26", 0), ("26", 10**8)):
        with pytest.raises(ValueError):
            services.certificate_number_make(region_code=region_code, sequence=sequence)


def test_issue_gives_unique_luhn_valid_numbers_in_sequence(municipality):
    certificates = [
        services.certificate_issue(child=ChildFactory(municipality=municipality)) for _ in range(3)
    ]
    numbers = [c.number for c in certificates]
    assert numbers == ["26000000013", "26000000021", "26000000039"]
    assert all(luhn_is_valid(n) for n in numbers)
    assert certificates[0].number_display == "26 0000 0001 3"
    assert all(c.status == CertificateStatus.ACCOUNTING for c in certificates)
    assert all(
        ledger_accounts.certificate_account(certificate=c).balance == 0 for c in certificates
    )


def test_issue_twice_returns_the_same_certificate(municipality):
    child = ChildFactory(municipality=municipality)
    first = services.certificate_issue(child=child)
    second = services.certificate_issue(child=child)
    assert second.pk == first.pk and second.number == first.number
    # No number was used up by the second call.
    other = services.certificate_issue(child=ChildFactory(municipality=municipality))
    assert other.number == "26000000021"


# --- funding -------------------------------------------------------------------------------------


def credits_of(certificate) -> list[Transfer]:
    return list(
        Transfer.objects.filter(
            kind=TransferKind.CREDIT, credit_account__certificate=certificate
        ).order_by("pk")
    )


@pytest.mark.parametrize(
    ("birth_date", "nominal"),
    [
        (datetime.date(2016, 3, 15), NOMINAL_YOUNG),  # 10
        (datetime.date(2021, 9, 1), NOMINAL_YOUNG),  # 5 exactly on the first day
        (datetime.date(2012, 9, 2), NOMINAL_YOUNG),  # 13; turns 14 a day after the start
        (datetime.date(2012, 9, 1), NOMINAL_OLD),  # 14 exactly on the first day
        (datetime.date(2008, 9, 1), NOMINAL_OLD),  # 18
    ],
)
def test_fund_credits_the_nominal_of_the_age_band_at_period_start(
    municipality, program, birth_date, nominal
):
    child = ChildFactory(municipality=municipality, birth_date=birth_date)
    certificate = certificate_fund_now(
        certificate=services.certificate_issue(child=child), financing_program=program
    )
    assert certificate.status == CertificateStatus.FUNDED
    assert certificate.nominal == nominal
    assert (certificate.valid_from, certificate.valid_to) == (
        program.period_start,
        program.period_end,
    )
    assert certificate.accounting_reason == ""
    assert ledger_accounts.certificate_account(certificate=certificate).balance == nominal
    assert [t.amount for t in credits_of(certificate)] == [nominal]
    program.refresh_from_db()
    assert program.funded_count == 1


@pytest.mark.parametrize("birth_date", [datetime.date(2007, 8, 31), datetime.date(2022, 1, 1)])
def test_fund_outside_every_age_band_leaves_an_accounting_certificate(
    municipality, program, birth_date
):
    child = ChildFactory(municipality=municipality, birth_date=birth_date)
    certificate = certificate_fund_now(
        certificate=services.certificate_issue(child=child), financing_program=program
    )
    assert certificate.status == CertificateStatus.ACCOUNTING
    assert "Возраст ребёнка" in certificate.accounting_reason
    assert credits_of(certificate) == []
    program.refresh_from_db()
    assert program.funded_count == 0


def test_fund_twice_credits_once(municipality, program, certificate):
    first = certificate_fund_now(certificate=certificate, financing_program=program)
    second = certificate_fund_now(certificate=certificate, financing_program=program)
    assert first.status == second.status == CertificateStatus.FUNDED
    assert len(credits_of(certificate)) == 1
    program.refresh_from_db()
    assert program.funded_count == 1
    assert ledger_accounts.certificate_account(certificate=certificate).balance == NOMINAL_YOUNG


def test_fund_respects_the_quota_of_funded_certificates(municipality):
    program = financing_program_make(municipality=municipality, max_funded_certificates=1)
    first, second = (
        services.certificate_issue(child=ChildFactory(municipality=municipality)) for _ in range(2)
    )
    assert (
        certificate_fund_now(certificate=first, financing_program=program).status
        == CertificateStatus.FUNDED
    )
    second = certificate_fund_now(certificate=second, financing_program=program)
    assert second.status == CertificateStatus.ACCOUNTING
    assert "Лимит сертификатов" in second.accounting_reason
    second.refresh_from_db()
    assert "Лимит сертификатов" in second.accounting_reason  # saved, not only returned
    assert credits_of(second) == []
    program.refresh_from_db()
    assert program.funded_count == 1


def test_fund_respects_the_budget_cap_and_gives_back_the_quota_place(municipality):
    program = financing_program_make(
        municipality=municipality, budget_cap=NOMINAL_YOUNG + NOMINAL_YOUNG // 2
    )
    first, second = (
        services.certificate_issue(child=ChildFactory(municipality=municipality)) for _ in range(2)
    )
    certificate_fund_now(certificate=first, financing_program=program)
    second = certificate_fund_now(certificate=second, financing_program=program)
    assert second.status == CertificateStatus.ACCOUNTING
    assert "исчерпаны" in second.accounting_reason
    assert credits_of(second) == []
    program.refresh_from_db()
    assert program.funded_count == 1  # the place taken for the refused credit was given back
    assert ledger_accounts.budget_account(financing_program=program).balance == NOMINAL_YOUNG // 2
    assert ledger_accounts.certificate_account(certificate=second).balance == 0


def test_fund_for_a_new_period_credits_a_new_nominal(municipality, program, certificate):
    certificate_fund_now(certificate=certificate, financing_program=program)
    next_year = financing_program_make(
        municipality=municipality,
        period_start=datetime.date(2027, 9, 1),
        period_end=datetime.date(2028, 8, 31),
    )
    certificate = certificate_fund_now(certificate=certificate, financing_program=next_year)
    assert certificate.financing_program == next_year
    assert len(credits_of(certificate)) == 2


def test_financing_program_create_stores_bands_and_funds_the_budget(municipality):
    program = financing_program_make(municipality=municipality, budget_cap=12_345_600)
    assert list(
        NominalBand.objects.filter(financing_program=program).values_list(
            "age_min", "age_max", "nominal"
        )
    ) == [(5, 13, NOMINAL_YOUNG), (14, 18, NOMINAL_OLD)]
    assert ledger_accounts.budget_account(financing_program=program).balance == 12_345_600
    assert Transfer.objects.get(kind=TransferKind.FUND).idempotency_key == f"fund:{program.pk}"


def test_financing_program_current_is_the_open_one_covering_the_day(municipality, program):
    found = services.financing_program_current(municipality=municipality, day=PERIOD_START)
    assert found == program
    assert (
        services.financing_program_current(
            municipality=municipality, day=PERIOD_START - datetime.timedelta(days=1)
        )
        is None
    )
    FinancingProgram.objects.filter(pk=program.pk).update(
        closed_at=datetime.datetime.now(tz=datetime.UTC)
    )
    assert services.financing_program_current(municipality=municipality, day=PERIOD_START) is None


# --- selectors: money of providers and contracts -------------------------------------------------


def test_provider_money_reads_reserved_payable_and_paid(program, certificate, provider):
    from kruzhok.certificates.selectors import ProviderMoney, hold_money, provider_money

    assert provider_money(provider=provider) == ProviderMoney(reserved=0, payable=0, paid=0)
    ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=10_000, key="credit"
    )
    hold = ledger.hold_create(
        certificate=certificate, provider=provider, amount=6_000, cause="c", key="h"
    )
    ledger.hold_post(hold=hold, amount=2_500, key="p")
    ledger.transfer_pay(provider=provider, amount=1_000, key="pay")
    ledger.hold_void(hold=hold, key="v", amount=500)

    money = provider_money(provider=provider)
    assert money == ProviderMoney(reserved=3_000, payable=1_500, paid=1_000)
    assert money.earned == 2_500
    held = hold_money(hold=hold)  # the passed object is stale: the selector reads the row
    assert (held.amount, held.posted, held.voided, held.remaining) == (6_000, 2_500, 500, 3_000)


def test_provider_money_is_constant_time(program, certificate, provider, django_assert_num_queries):
    from kruzhok.certificates.selectors import hold_money, provider_money

    ledger.transfer_credit(
        financing_program=program, certificate=certificate, amount=10_000, key="credit"
    )
    hold = ledger.hold_create(
        certificate=certificate, provider=provider, amount=6_000, cause="c", key="h"
    )
    for n in range(5):
        ledger.hold_post(hold=hold, amount=10, key=f"p{n}")
    with django_assert_num_queries(1):
        provider_money(provider=provider)
    with django_assert_num_queries(1):
        hold_money(hold=hold)


# The money door ---------------------------------------------------------------------------------


def test_the_certificate_share_is_the_split_rounded_down_and_never_past_its_part():
    def share(value: int, part: int = 333_33, total: int = 3_000_00) -> int:
        return services.certificate_share(value=value, certificate_part=part, total_cost=total)

    assert share(1_000_00) == 111_11
    assert share(3_000_00) == 333_33
    assert share(9_000_00) == 333_33  # more lessons than planned: never past the part
    assert share(1_000_00, part=0) == 0
    assert share(1_000_00, part=0, total=0) == 0


def test_paying_a_provider_moves_what_is_owed_once_per_cause(program, certificate, provider):
    certificate_fund_now(certificate=certificate, financing_program=program)
    with transaction.atomic(durable=True):
        hold = services.contract_reserve(
            certificate=certificate, provider=provider, contract_id=1, amount=3_000_00
        )
        services.lesson_charge_post(
            hold=hold,
            lesson_id=1,
            lesson_date=datetime.date(2026, 10, 1),
            child_id=certificate.child_id,
            attempt=0,
            amount=1_000_00,
        )
    for _ in range(2):  # a retry of the same payment
        with transaction.atomic(durable=True):
            services.provider_pay(provider=provider, amount=600_00, cause="invoice:1")
    payable = Account.objects.get(provider=provider, kind=AccountKind.PROVIDER_PAYABLE)
    paid = Account.objects.get(provider=provider, kind=AccountKind.PROVIDER_PAID)
    assert (payable.balance, paid.balance) == (400_00, 600_00)
    with pytest.raises(InsufficientFunds), transaction.atomic(durable=True):
        services.provider_pay(provider=provider, amount=400_01, cause="invoice:2")


def test_a_payment_to_a_provider_is_reversed_exactly_and_once(program, certificate, provider):
    certificate_fund_now(certificate=certificate, financing_program=program)
    with transaction.atomic(durable=True):
        hold = services.contract_reserve(
            certificate=certificate, provider=provider, contract_id=1, amount=3_000_00
        )
        services.lesson_charge_post(
            hold=hold,
            lesson_id=1,
            lesson_date=datetime.date(2026, 10, 1),
            child_id=certificate.child_id,
            attempt=0,
            amount=1_000_00,
        )
        services.provider_pay(provider=provider, amount=600_00, cause="invoice:1")
    for _ in range(2):  # a retry of the same reversal moves nothing more
        with transaction.atomic(durable=True):
            storno = services.provider_pay_reverse(cause="invoice:1")
    payable = Account.objects.get(provider=provider, kind=AccountKind.PROVIDER_PAYABLE)
    paid = Account.objects.get(provider=provider, kind=AccountKind.PROVIDER_PAID)
    assert (payable.balance, paid.balance) == (1_000_00, 0)
    assert storno.amount == 600_00 and storno.reverses.idempotency_key == "pay:invoice:1"
    with pytest.raises(LedgerError, match="не найдена"), transaction.atomic(durable=True):
        services.provider_pay_reverse(cause="invoice:2")
    assert all(result.ok for result in ledger_audit())
