"""The end of a financing period: `financing_period_close` and `kruzhok period close`."""

import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from kruzhok.accounts.models import Role
from kruzhok.billing.models import PeriodClosure, PeriodClosureStatus
from kruzhok.billing.periods import (
    PeriodCloseError,
    financing_period_close,
    financing_period_close_run,
    financing_period_close_start,
)
from kruzhok.billing.tests.period_scene import (
    AFTER,
    LESSON,
    NOMINAL,
    audit_is_clean,
    enrol_next_year,
    move_to,
    next_program,
)
from kruzhok.certificates import ledger, ledger_accounts, services
from kruzhok.certificates.models import (
    Certificate,
    CertificateStatus,
    FinancingProgram,
    Hold,
    Transfer,
    TransferKind,
)
from kruzhok.certificates.selectors import (
    ProviderMoney,
    certificate_money,
    hold_money,
    provider_money,
)
from kruzhok.certificates.tests.factories import certificate_fund_now
from kruzhok.common.models import AuditEvent
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.enrollment.tests.world import (
    NOW,
    TODAY,
    child_make,
    contract_made,
    group_make,
    user_make,
    world_make,
)


def test_closing_returns_the_unused_balance_and_releases_the_reserve(world, used, time_machine):
    reserved = hold_money(hold=used.hold)
    assert reserved.remaining == used.certificate_part - LESSON
    budget_before = ledger_accounts.budget_account(financing_program=world.financing).balance
    move_to(time_machine, AFTER)

    report = financing_period_close(financing_program=world.financing)

    hold = hold_money(hold=used.hold)
    assert (hold.posted, hold.voided, hold.remaining) == (LESSON, reserved.remaining, 0)
    money = certificate_money(certificate=used.certificate)
    assert (money.balance, money.reserved, money.available) == (0, 0, 0)
    budget = ledger_accounts.budget_account(financing_program=world.financing)
    assert budget.balance == budget_before + NOMINAL - LESSON
    # The provider keeps what it earned; nothing more is reserved for it.
    assert provider_money(provider=world.provider) == ProviderMoney(
        reserved=0, payable=LESSON, paid=0
    )
    void = Transfer.objects.get(idempotency_key=f"void:period:{world.financing.pk}:{used.hold_id}")
    assert (void.kind, void.amount) == (TransferKind.VOID, reserved.remaining)
    expire = Transfer.objects.get(
        idempotency_key=f"expire:{world.financing.pk}:{used.certificate_id}"
    )
    assert (expire.kind, expire.amount) == (TransferKind.EXPIRE, NOMINAL - LESSON)
    assert (report.holds_voided, report.voided) == (1, reserved.remaining)
    assert (report.certificates_expired, report.expired) == (1, NOMINAL - LESSON)
    assert report.certificates_to_accounting == 1 and report.applications_finished == 1
    assert report.changed and report.closed_now
    assert audit_is_clean()


def test_closing_sets_certificates_back_to_accounting_and_finishes_applications(
    world, used, time_machine
):
    funded_before = FinancingProgram.objects.get(pk=world.financing.pk).funded_count
    move_to(time_machine, AFTER)
    financing_period_close(financing_program=world.financing)

    certificate = Certificate.objects.get(pk=used.certificate_id)
    assert certificate.status == CertificateStatus.ACCOUNTING
    assert certificate.accounting_reason.startswith("Период финансирования завершён")
    assert (certificate.nominal, certificate.valid_from, certificate.valid_to) == (0, None, None)
    assert Application.objects.get(pk=used.application_id).status == ApplicationStatus.FINISHED
    program = FinancingProgram.objects.get(pk=world.financing.pk)
    assert program.closed_at is not None
    assert program.funded_count == funded_before  # history: how many the period funded
    # A closed period is nobody's current one, and funds nobody.
    assert services.financing_program_current(municipality=world.municipality, day=TODAY) is None


def test_a_second_close_changes_nothing(world, used, time_machine):
    move_to(time_machine, AFTER)
    financing_period_close(financing_program=world.financing)
    transfers = Transfer.objects.count()
    closed_at = FinancingProgram.objects.get(pk=world.financing.pk).closed_at

    again = financing_period_close(financing_program=world.financing)

    assert not again.changed
    assert (again.holds_voided, again.certificates_expired, again.applications_finished) == (
        0,
        0,
        0,
    )
    assert Transfer.objects.count() == transfers
    assert FinancingProgram.objects.get(pk=world.financing.pk).closed_at == closed_at


def test_the_parent_reads_in_the_cabinet_that_the_period_is_over(world, used, time_machine, client):
    move_to(time_machine, AFTER)
    financing_period_close(financing_program=world.financing)
    client.force_login(world.parent)

    html = client.get(f"/cabinet/children/{world.child.pk}/").content.decode()

    assert "Период финансирования завершён (01.09.2026–31.08.2027)" in html
    assert "Возврат остатка по окончании периода" in html
    assert "Сертификат учёта" in html


def test_closing_before_the_period_is_over_is_refused_and_changes_nothing(world, used):
    with pytest.raises(PeriodCloseError, match=r"ещё идёт: закрыть его можно с 01\.09\.2027"):
        financing_period_close(financing_program=world.financing)
    with pytest.raises(PeriodCloseError):
        financing_period_close(financing_program=world.financing, today=world.financing.period_end)
    assert FinancingProgram.objects.get(pk=world.financing.pk).closed_at is None
    assert hold_money(hold=used.hold).remaining > 0


def test_only_an_operator_of_the_municipality_closes_its_period(world, used, time_machine):
    move_to(time_machine, AFTER)
    other = user_make(Role.OPERATOR, municipality=None)
    with pytest.raises(PeriodCloseError, match="оператор этого муниципалитета"):
        financing_period_close(financing_program=world.financing, actor=other)
    with pytest.raises(PeriodCloseError, match="муниципальный оператор"):
        financing_period_close(financing_program=world.financing, actor=world.parent)
    operator = user_make(Role.OPERATOR, municipality=world.municipality)
    assert financing_period_close(financing_program=world.financing, actor=operator).changed


def test_a_contract_running_past_the_period_is_released_and_reported(world, time_machine):
    group = group_make(world.program, world.teacher, start=TODAY, end=datetime.date(2027, 9, 30))
    contract = contract_made(world, group=group)
    move_to(time_machine, AFTER)

    report = financing_period_close(financing_program=world.financing)

    assert hold_money(hold=contract.hold).remaining == 0
    assert report.applications_finished == 0
    assert [pk for pk, _ in report.applications_left] == [contract.application_id]
    assert "идёт до 30.09.2027" in report.applications_left[0][1]


def test_certificates_are_closed_in_batches_with_the_same_result(world, time_machine):
    children = [world.child, *(child_make(world.parent) for _ in range(4))]
    contracts = [contract_made(world, child=child) for child in children]
    move_to(time_machine, AFTER)

    report = financing_period_close(financing_program=world.financing, batch_size=2)

    assert report.batches == 3
    assert report.certificates_to_accounting == report.certificates_expired == 5
    assert report.holds_voided == 5
    for contract in contracts:
        assert certificate_money(certificate=contract.certificate).balance == 0
    assert audit_is_clean()


def test_the_next_period_credits_a_new_nominal_when_the_child_is_next_enrolled(
    world, used, time_machine
):
    move_to(time_machine, AFTER)
    financing_period_close(financing_program=world.financing)
    following = next_program(world)

    contract = enrol_next_year(world)

    certificate = Certificate.objects.get(pk=contract.certificate_id)
    assert certificate.status == CertificateStatus.FUNDED
    assert certificate.financing_program_id == following.pk
    assert certificate.nominal == 13_000_00
    assert certificate.accounting_reason == ""
    assert Transfer.objects.get(
        idempotency_key=f"credit:{following.pk}:{certificate.pk}"
    ).amount == (13_000_00)
    assert FinancingProgram.objects.get(pk=following.pk).funded_count == 1


def test_a_certificate_still_funded_for_the_old_period_is_credited_for_the_new_one(
    world, used, time_machine
):
    """enrollment.contracts funds a certificate not funded for the *current* program, even
    when it is still funded for the previous one (not closed yet)."""
    following = next_program(world)
    move_to(time_machine, AFTER)

    contract = enrol_next_year(world)

    certificate = Certificate.objects.get(pk=contract.certificate_id)
    assert certificate.financing_program_id == following.pk
    assert certificate.nominal == 13_000_00
    # The old period's close returns all the old money left (the nominal less the lesson
    # charged); what stays is the new nominal less the new contract's reserve.
    report = financing_period_close(financing_program=world.financing)
    assert report.expired == NOMINAL - LESSON
    money = certificate_money(certificate=certificate)
    assert money.balance == 13_000_00
    assert money.available == 13_000_00 - contract.certificate_part
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.FUNDED  # funded for the new period
    assert audit_is_clean()


def test_once_the_quota_is_exhausted_certificates_stay_for_accounting_and_the_parent_is_told(
    world, used, time_machine, client
):
    move_to(time_machine, AFTER)
    financing_period_close(financing_program=world.financing)
    next_program(world, max_funded_certificates=1)
    sibling = child_make(world.parent)
    enrol_next_year(world, child=sibling)  # takes the only place

    contract = enrol_next_year(world)

    certificate = Certificate.objects.get(pk=contract.certificate_id)
    assert certificate.status == CertificateStatus.ACCOUNTING
    assert "Лимит сертификатов" in certificate.accounting_reason
    assert contract.certificate_part == 0 and contract.hold is None
    client.force_login(world.parent)
    html = client.get(f"/cabinet/children/{world.child.pk}/").content.decode()
    assert "Лимит сертификатов персонифицированного финансирования на этот период" in html


def test_once_the_budget_is_exhausted_certificates_stay_for_accounting_and_the_parent_is_told(
    world, used, time_machine, client
):
    move_to(time_machine, AFTER)
    financing_period_close(financing_program=world.financing)
    following = next_program(world, budget_cap=13_000_00 + 5_000_00)
    enrol_next_year(world, child=child_make(world.parent))  # leaves 5 000 ₽ in the budget

    certificate = certificate_fund_now(certificate=used.certificate, financing_program=following)

    assert certificate.status == CertificateStatus.ACCOUNTING
    assert "исчерпаны" in certificate.accounting_reason
    assert FinancingProgram.objects.get(pk=following.pk).funded_count == 1
    client.force_login(world.parent)
    html = client.get(f"/cabinet/children/{world.child.pk}/").content.decode()
    assert "Средства программы персонифицированного финансирования на этот период" in html


def test_a_child_can_still_enrol_with_a_co_payment_once_the_budget_is_exhausted(
    world, used, time_machine
):
    move_to(time_machine, AFTER)
    financing_period_close(financing_program=world.financing)
    next_program(world, budget_cap=13_000_00 + 5_000_00)
    enrol_next_year(world, child=child_make(world.parent))  # leaves 5 000 ₽ in the budget

    contract = enrol_next_year(world)

    assert contract.certificate.status == CertificateStatus.ACCOUNTING
    assert contract.certificate_part == 0


def test_a_closed_period_funds_nobody(world, time_machine):
    move_to(time_machine, AFTER)
    financing_period_close(financing_program=world.financing)
    certificate = services.certificate_issue(child=child_make(world.parent))

    certificate = certificate_fund_now(certificate=certificate, financing_program=world.financing)

    assert certificate.status == CertificateStatus.ACCOUNTING
    assert certificate.accounting_reason.startswith("Период финансирования завершён")
    assert FinancingProgram.objects.get(pk=world.financing.pk).funded_count == 0


def test_a_hold_without_a_contract_of_the_period_is_left_alone(world, used, time_machine):
    """Only the reserves of the period's contracts are released (a hold made for another
    cause, say by an operator's correction, is not the period's to release)."""
    other = ledger.hold_create(
        certificate=used.certificate,
        provider=world.provider,
        amount=100,
        cause="manual:1",
        key="manual:1",
    )
    move_to(time_machine, AFTER)
    financing_period_close(financing_program=world.financing)
    assert Hold.objects.get(pk=other.pk).remaining == 100
    assert certificate_money(certificate=used.certificate).reserved == 100
    assert audit_is_clean()


# --- the close's record: its state, progress and figures ---------------------------------------


def test_the_close_keeps_its_figures_and_progress_on_its_record(world, time_machine):
    children = [world.child, *(child_make(world.parent) for _ in range(4))]
    for child in children:
        contract_made(world, child=child)
    move_to(time_machine, AFTER)
    told: list[tuple[int, int]] = []

    report = financing_period_close(
        financing_program=world.financing,
        batch_size=2,
        progress=lambda done, total: told.append((done, total)),
    )

    closure = PeriodClosure.objects.get(financing_program=world.financing)
    assert closure.status == PeriodClosureStatus.CLOSED
    assert closure.started_by is None and closure.finished_at is not None
    assert (closure.certificates_done, closure.certificates_total) == (5, 5)
    assert (closure.applications_done, closure.applications_total) == (5, 5)
    assert (closure.holds_voided, closure.voided) == (report.holds_voided, report.voided)
    assert (closure.certificates_expired, closure.expired) == (
        report.certificates_expired,
        report.expired,
    )
    assert closure.expired == 5 * NOMINAL
    assert closure.certificates_to_accounting == 5
    assert (closure.applications_finished, closure.applications_left) == (5, 0)
    # Told after each batch of certificates (three of them), then after each application.
    assert told == [(0, 10), (2, 10), (4, 10), *((n, 10) for n in range(5, 11))]


FIGURES = (
    "holds_voided",
    "voided",
    "certificates_expired",
    "expired",
    "certificates_to_accounting",
    "applications_finished",
    "applications_left",
    "status",
    "finished_at",
)


def test_a_second_run_adds_nothing_to_the_figures(world, used, time_machine):
    move_to(time_machine, AFTER)
    financing_period_close(financing_program=world.financing)
    before = PeriodClosure.objects.values().get()

    financing_period_close(financing_program=world.financing)

    after = PeriodClosure.objects.values().get()
    assert {k: after[k] for k in FIGURES} == {k: before[k] for k in FIGURES}
    assert after["expired"] == NOMINAL - LESSON


def test_the_button_marks_the_period_closed_at_once_and_the_console_finishes_it(
    world, used, time_machine
):
    move_to(time_machine, AFTER)
    operator = user_make(Role.OPERATOR, municipality=world.municipality)

    closure = financing_period_close_start(
        financing_program=world.financing, actor=operator, in_background=False
    )

    assert closure.status == PeriodClosureStatus.RUNNING
    assert FinancingProgram.objects.get(pk=world.financing.pk).closed_at is not None
    assert hold_money(hold=used.hold).remaining > 0  # the money is the worker's job
    report = financing_period_close(financing_program=world.financing)  # the console joins
    assert not report.closed_now and report.expired == NOMINAL - LESSON
    closure.refresh_from_db()
    assert closure.status == PeriodClosureStatus.CLOSED
    assert closure.started_by == operator
    assert PeriodClosure.objects.count() == 1


def test_a_second_press_joins_the_close_under_way_and_a_closed_period_is_refused(
    world, used, time_machine
):
    move_to(time_machine, AFTER)
    operator = user_make(Role.OPERATOR, municipality=world.municipality)
    other = user_make(Role.OPERATOR, municipality=world.municipality)
    first = financing_period_close_start(
        financing_program=world.financing, actor=operator, in_background=False
    )
    second = financing_period_close_start(
        financing_program=world.financing, actor=other, in_background=False
    )
    assert second.pk == first.pk and second.started_by == operator

    financing_period_close_run(closure_id=first.pk)

    with pytest.raises(PeriodCloseError, match=r"^Период 01\.09\.2026–31\.08\.2027 уже закрыт\.$"):
        financing_period_close_start(
            financing_program=world.financing, actor=other, in_background=False
        )


def test_the_worker_closes_what_the_button_started(world, used, time_machine):
    move_to(time_machine, AFTER)
    closure = financing_period_close_start(
        financing_program=world.financing, actor=None, in_background=False
    )

    report = financing_period_close_run(closure_id=closure.pk)

    assert (report.holds_voided, report.expired) == (1, NOMINAL - LESSON)
    assert report.applications_finished == 1
    closure.refresh_from_db()
    assert closure.status == PeriodClosureStatus.CLOSED
    assert audit_is_clean()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_operators_pressing_at_once_get_one_close(time_machine):
    time_machine.move_to(NOW, tick=False)
    world = world_make()
    for child in (world.child, child_make(world.parent), child_make(world.parent)):
        contract_made(world, child=child)
    move_to(time_machine, AFTER)
    operators = [user_make(Role.OPERATOR, world.municipality) for _ in range(2)]
    barrier = threading.Barrier(4)
    closures: list[int] = []
    errors: list[BaseException] = []

    def press(actor) -> None:
        try:
            barrier.wait()
            closures.append(
                financing_period_close_start(
                    financing_program=world.financing, actor=actor, in_background=False
                ).pk
            )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(operators[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(set(closures)) == 1 and len(closures) == 4
    assert PeriodClosure.objects.count() == 1
    report = financing_period_close_run(closure_id=closures[0])
    assert report.certificates_expired == 3
    assert AuditEvent.objects.filter(action="financing_period_close").count() == 1


# --- the command -------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("period", *args, stdout=out, no_color=True)
    return out.getvalue()


def test_the_command_closes_by_name_and_start_date_then_says_nothing_changed(
    world, used, time_machine
):
    move_to(time_machine, AFTER)
    first = run("close", world.municipality.name, "2026-09-01")
    assert "Период 01.09.2026–31.08.2027 закрыт" in first
    assert "сертификатов переведено в сертификаты учёта: 1" in first
    assert "завершено заявок: 1" in first

    second = run("close", str(world.municipality.pk), str(world.financing.pk))
    assert second.strip() == "Период 01.09.2026–31.08.2027 уже закрыт: ничего не изменилось."


def test_the_command_shows_its_progress_and_joins_a_close_started_from_the_page(
    world, used, time_machine
):
    move_to(time_machine, AFTER)
    financing_period_close_start(financing_program=world.financing, actor=None, in_background=False)
    out, err = io.StringIO(), io.StringIO()

    call_command("period", "close", world.municipality.name, "2026-09-01", stdout=out, stderr=err)

    assert "возвращено в бюджет: 11\xa0700,00\xa0₽ (сертификатов: 1)" in out.getvalue()
    assert "Период 01.09.2026–31.08.2027" in err.getvalue()  # the progress bar
    assert PeriodClosure.objects.get().status == PeriodClosureStatus.CLOSED


def test_the_command_explains_what_it_cannot_find_or_do(world):
    with pytest.raises(CommandError, match="не найден"):
        run("close", "Нет такого округа", "2026-09-01")
    with pytest.raises(CommandError, match="нет периода"):
        run("close", world.municipality.name, "2025-09-01")
    with pytest.raises(CommandError, match="например 2026-09-01"):
        run("close", world.municipality.name, "сентябрь")
    with pytest.raises(CommandError, match="ещё идёт"):
        run("close", world.municipality.name, "2026-09-01")
