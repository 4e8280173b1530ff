"""Month close bills each provider once, to the kopeck, and resumes where it stopped.

The scene (October 2026): a group meeting on Tuesdays and Thursdays, two academic hours at
150 ₽ each — 300 ₽ a lesson — from 01.09 to 24.12.2026. Contracts are concluded on Thursday
15.10.2026: 21 lessons are left (10 Tuesdays, 11 Thursdays from 15.10 to 24.12), so a contract
costs 6 300 ₽, of which a certificate of 5 000 ₽ pays 5 000 ₽ and the family 1 300 ₽. The
certificate's share of the attended value v so far is floor(v × 5 000 ÷ 6 300).

- Артём attends 15, 20 and 29 October, misses the 22nd, and the 27th is cancelled: 4 lessons
  planned, 3 attended, 900 ₽: the certificate pays floor(900 × 5000 ÷ 6300) = 714,28 ₽, the
  family 185,72 ₽.
- Вера attends 15 and 20 October and is withdrawn from 21.10: 2 planned, 2 attended, 600 ₽:
  the certificate pays floor(600 × 5000 ÷ 6300) = 476,19 ₽, the family 123,81 ₽.
"""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.attendance.lessons import lesson_cancel
from kruzhok.attendance.services import attendance_mark
from kruzhok.billing import month_close as month_close_module
from kruzhok.billing import provider_invoice as provider_invoice_module
from kruzhok.billing.close_reads import ProviderTotals
from kruzhok.billing.models import (
    Invoice,
    InvoiceLine,
    MonthClosure,
    MonthClosureStatus,
)
from kruzhok.billing.month_close import (
    MonthCloseError,
    _chunks,
    month_close,
    month_close_run,
    month_close_start,
)
from kruzhok.billing.selectors import line_charges, line_reversals
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.common.models import Municipality, NumberSequence
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import (
    MOSCOW,
    child_make,
    contract_made,
    group_make,
    neighbour_contract,
    program_make,
    provider_make,
    user_make,
    world_make,
)

OCTOBER = datetime.date(2026, 10, 1)


def _billed() -> list[int]:
    """The charges the invoices' lines bill by rule (`billing.selectors.line_charges`), each
    on one line only."""
    billed = [
        pk
        for line in InvoiceLine.objects.select_related("invoice__closure")
        for pk in line_charges(line=line).values_list("pk", flat=True)
    ]
    assert len(billed) == len(set(billed)), "a charge is on two lines"
    return billed


# These marks are made weeks after their lessons: a late mark says why.
LATE = "Отметка задним числом"


def _at(day: int, month: int = 10, hour: int = 19) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=MOSCOW)


def _lesson(group, day: int):
    return group.lessons.get(date=datetime.date(2026, 10, day))


def _october(time_machine, *, second_provider: bool = False):
    """The scene of the module's docstring; returns (world, operator, contracts by name)."""
    time_machine.move_to(_at(15, hour=18), tick=False)
    world = world_make(nominal=5_000_00)
    vera = child_make(world.parent)
    artyom_contract = contract_made(world)
    vera_contract = contract_made(world, child=vera)
    contracts = {"artyom": artyom_contract, "vera": vera_contract}
    groups = [world.group]
    if second_provider:
        provider, admin, teacher = provider_make(world.municipality)
        other_group = group_make(program_make(provider), teacher)
        application = enrollment_services.application_submit(
            parent=world.parent, child_id=world.child.pk, group_id=other_group.pk
        )
        enrollment_services.application_accept(actor=admin, application=application)
        contracts["other"] = enrollment_services.contract_accept(
            parent=world.parent, application=application
        )
        groups.append(other_group)

    def mark(day: int, who: str, present: bool = True) -> None:
        contract = contracts[who]
        group = contract.application.group
        attendance_mark(
            reason=LATE,
            actor=group.teacher,
            lesson=_lesson(group, day),
            contract=contract,
            present=present,
        )

    mark(15, "artyom")
    mark(15, "vera")
    if second_provider:
        mark(15, "other")
    time_machine.move_to(_at(20), tick=False)
    mark(20, "artyom")
    mark(20, "vera")
    enrollment_services.contract_withdraw(
        actor=world.parent,
        application=vera_contract.application,
        on=datetime.date(2026, 10, 21),
        reason="Переезд",
    )
    time_machine.move_to(_at(22), tick=False)
    mark(22, "artyom", present=False)
    lesson_cancel(actor=world.teacher, lesson=_lesson(world.group, 27), reason="Педагог болен")
    time_machine.move_to(_at(29), tick=False)
    mark(29, "artyom")
    time_machine.move_to(_at(5, month=11, hour=12), tick=False)
    operator = user_make(Role.OPERATOR, world.municipality)
    return world, operator, contracts


@pytest.mark.django_db
def test_closing_october_bills_the_provider_to_the_kopeck(time_machine):
    world, operator, contracts = _october(time_machine)
    assert contracts["artyom"].total_cost == 6_300_00  # 21 lessons of 300 ₽
    assert contracts["artyom"].certificate_part == 5_000_00

    closure = month_close(actor=operator, municipality=world.municipality, month=OCTOBER)

    assert closure.status == MonthClosureStatus.CLOSED
    assert (closure.providers_total, closure.providers_done) == (1, 1)
    invoice = Invoice.objects.get()
    assert (invoice.provider, invoice.number, invoice.act_number) == (world.provider, 1, 1)
    assert invoice.issued_on == datetime.date(2026, 11, 5)
    assert invoice.lessons == 5
    assert invoice.certificate_amount == 714_28 + 476_19
    assert invoice.parent_amount == 185_72 + 123_81
    lines = {line.contract_id: line for line in InvoiceLine.objects.filter(invoice=invoice)}
    artyom, vera = lines[contracts["artyom"].pk], lines[contracts["vera"].pk]
    assert (artyom.lessons_planned, artyom.lessons_attended) == (4, 3)
    assert (artyom.certificate_amount, artyom.parent_amount) == (714_28, 185_72)
    assert artyom.child_initials == "Соколов А. И."
    assert (vera.lessons_planned, vera.lessons_attended) == (2, 2)
    assert (vera.certificate_amount, vera.parent_amount) == (476_19, 123_81)
    assert len(_billed()) == Charge.objects.filter(reversed_at=None).count() == 5
    # The invoice, the act and the lines are rendered and stored in the provider's step.
    assert sorted(invoice.documents.values_list("kind", flat=True)) == [
        "act_pdf",
        "invoice_pdf",
        "lines_xlsx",
    ]
    assert all(result.ok for result in ledger_audit())


@pytest.mark.django_db
def test_closing_again_changes_nothing(time_machine):
    world, operator, _ = _october(time_machine)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    with pytest.raises(MonthCloseError, match="октябрь 2026 уже закрыт"):
        month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    closure = MonthClosure.objects.get()
    month_close_run(closure_id=closure.pk)  # the worker retrying a finished close
    assert Invoice.objects.count() == 1
    assert len(_billed()) == 5
    assert NumberSequence.objects.get(name=f"invoice:{world.municipality.pk}-2026").last_value == 1


@pytest.mark.django_db
def test_a_failure_midway_leaves_whole_providers_and_the_close_resumes(time_machine, monkeypatch):
    monkeypatch.setattr(provider_invoice_module, "PROVIDERS_PER_STEP", 1)
    world, operator, contracts = _october(time_machine, second_provider=True)
    real = provider_invoice_module._step_check
    calls = []

    def fails_for_the_second_provider(invoices):
        calls.extend(invoice.provider_id for invoice in invoices)
        if len(calls) == 2:
            raise RuntimeError("the worker was killed")
        real(invoices)

    monkeypatch.setattr(provider_invoice_module, "_step_check", fails_for_the_second_provider)
    with pytest.raises(RuntimeError):
        month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    closure = MonthClosure.objects.get()
    assert closure.status == MonthClosureStatus.RUNNING  # the month is frozen, not finished
    assert (closure.providers_total, closure.providers_done) == (2, 1)
    assert Invoice.objects.count() == 1
    first = Invoice.objects.get()

    monkeypatch.setattr(provider_invoice_module, "_step_check", real)
    month_close_start(actor=operator, municipality=world.municipality, month=OCTOBER)  # joins
    closure = month_close_run(closure_id=closure.pk)

    assert closure.status == MonthClosureStatus.CLOSED
    assert (closure.providers_total, closure.providers_done) == (2, 2)
    invoices = list(Invoice.objects.order_by("number"))
    assert invoices[0] == first
    assert [i.number for i in invoices] == [1, 2]  # the failed step's number was rolled back
    other = invoices[1]
    assert other.provider == contracts["other"].application.group.program.provider
    assert other.lessons == 1
    assert len(_billed()) == 6


@pytest.mark.django_db
def test_a_failure_inside_a_step_of_many_providers_bills_none_of_them_and_the_close_resumes(
    time_machine, monkeypatch
):
    world, operator, contracts = _october(time_machine, second_provider=True)
    assert provider_invoice_module.PROVIDERS_PER_STEP >= 2  # both providers in one step
    real = provider_invoice_module._step_check
    calls = []

    def killed_after_both_invoices(invoices):
        calls.extend(invoice.provider_id for invoice in invoices)
        real(invoices)
        raise RuntimeError("the worker was killed")

    monkeypatch.setattr(provider_invoice_module, "_step_check", killed_after_both_invoices)
    with pytest.raises(RuntimeError):
        month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    # Both invoices were made and checked in the step: they are rolled back together, and so
    # are their numbers.
    assert len(calls) == 2
    closure = MonthClosure.objects.get()
    assert closure.status == MonthClosureStatus.RUNNING
    assert (closure.providers_total, closure.providers_done) == (2, 0)
    assert not Invoice.objects.exists()
    assert not _billed()
    assert not NumberSequence.objects.filter(last_value__gt=0, name__startswith="invoice:").exists()

    monkeypatch.setattr(provider_invoice_module, "_step_check", real)
    closure = month_close_run(closure_id=closure.pk)
    month_close_run(closure_id=closure.pk)  # the worker retrying: nothing twice

    assert closure.status == MonthClosureStatus.CLOSED
    assert (closure.providers_total, closure.providers_done) == (2, 2)
    invoices = list(Invoice.objects.order_by("number"))
    assert [(i.number, i.act_number) for i in invoices] == [(1, 1), (2, 2)]
    assert [i.provider_id for i in invoices] == sorted(i.provider_id for i in invoices)
    assert [i.lessons for i in invoices] == [5, 1]
    other_charge = Charge.objects.get(contract=contracts["other"])
    assert [i.certificate_amount for i in invoices] == [
        714_28 + 476_19,
        other_charge.certificate_amount,
    ]
    assert len(_billed()) == Charge.objects.filter(reversed_at=None).count() == 6
    assert all(result.ok for result in ledger_audit())


@pytest.mark.django_db
def test_a_provider_whose_figures_changed_is_billed_alone_and_the_rest_of_its_step_too(
    time_machine, monkeypatch
):
    world, operator, contracts = _october(time_machine, second_provider=True)
    other = contracts["other"].application.group.program.provider
    real = month_close_module.provider_totals

    def read_before_a_late_change(*args):
        # The run's one read before the steps: the other provider's totals as they were
        # before a change (a kopeck more); the steps read under the lock see the truth.
        totals = real(*args)
        totals[other.pk] = totals[other.pk]._replace(parent=totals[other.pk].parent + 1)
        return totals

    monkeypatch.setattr(month_close_module, "provider_totals", read_before_a_late_change)
    closure = month_close(actor=operator, municipality=world.municipality, month=OCTOBER)

    assert closure.status == MonthClosureStatus.CLOSED
    assert (closure.providers_total, closure.providers_done) == (2, 2)
    assert Invoice.objects.get(provider=world.provider).certificate_amount == 714_28 + 476_19
    other_charge = Charge.objects.get(contract=contracts["other"])
    assert (
        Invoice.objects.filter(provider=other)
        .values_list("certificate_amount", "parent_amount")
        .get()
    ) == (other_charge.certificate_amount, other_charge.parent_amount)
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2]


@pytest.mark.django_db
def test_the_operator_continues_a_close_whose_worker_stopped(
    time_machine, monkeypatch, client, django_capture_on_commit_callbacks
):
    world, operator, _ = _october(time_machine, second_provider=True)
    monkeypatch.setattr(provider_invoice_module, "PROVIDERS_PER_STEP", 1)
    real = provider_invoice_module._step_check
    calls = []

    def worker_killed_at_the_second_provider(invoices):
        calls.extend(invoice.provider_id for invoice in invoices)
        if len(calls) == 2:
            raise RuntimeError("the worker was killed")
        real(invoices)

    monkeypatch.setattr(
        provider_invoice_module, "_step_check", worker_killed_at_the_second_provider
    )
    with pytest.raises(RuntimeError):
        month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    monkeypatch.setattr(provider_invoice_module, "_step_check", real)
    closure = MonthClosure.objects.get()
    url = reverse("billing:month_close_continue", args=[closure.pk])

    stranger = user_make(Role.OPERATOR, Municipality.objects.create(name="Соседний округ"))
    client.force_login(stranger)
    assert client.post(url).status_code == 404
    client.force_login(world.admin)
    assert client.post(url).status_code == 403
    assert MonthClosure.objects.get().status == MonthClosureStatus.RUNNING

    client.force_login(operator)
    page = client.get(reverse("billing:closure_detail", args=[closure.pk])).content.decode()
    assert "Продолжить закрытие" in page
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate), django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url, follow=True)
    assert "продолжится с того места" in answer.content.decode()
    closure.refresh_from_db()
    assert closure.status == MonthClosureStatus.CLOSED
    assert (closure.providers_total, closure.providers_done) == (2, 2)
    assert Invoice.objects.count() == 2
    assert all(invoice.documents.count() == 3 for invoice in Invoice.objects.all())


def _a_kopeck_off(real):
    def summed_wrong(*args):
        totals = real(*args)
        return {
            provider: sums._replace(certificate=sums.certificate + 1)
            for provider, sums in totals.items()
        }

    return summed_wrong


def _one_line_stored_wrong(real):
    def stored_wrong(closure, invoices):
        real(closure, invoices)
        line = InvoiceLine.objects.filter(invoice__in=invoices).order_by("pk").first()
        InvoiceLine.objects.filter(pk=line.pk).update(
            certificate_amount=line.certificate_amount + 1
        )

    return stored_wrong


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("target", "fault"),
    [("provider_totals", _a_kopeck_off), ("_lines_create", _one_line_stored_wrong)],
    ids=["a provider summed a kopeck off", "a line stored a kopeck off"],
)
def test_a_provider_whose_totals_do_not_add_up_gets_no_invoice(
    time_machine, monkeypatch, target, fault
):
    world, operator, _ = _october(time_machine)
    # The run reads every provider's totals through month_close; the step re-reads its own.
    modules = (
        [month_close_module, provider_invoice_module]
        if target == "provider_totals"
        else [provider_invoice_module]
    )
    for module in modules:
        monkeypatch.setattr(module, target, fault(getattr(module, target)))
    with pytest.raises(MonthCloseError, match="не сошлись"):
        month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    assert not Invoice.objects.exists()
    assert not _billed()
    assert MonthClosure.objects.get().status == MonthClosureStatus.RUNNING


@pytest.mark.django_db
def test_only_the_months_charges_of_the_municipalitys_certificates_are_billed(time_machine):
    world, operator, contracts = _october(time_machine)
    time_machine.move_to(_at(3, month=11), tick=False)
    # A November lesson attended before October is closed belongs to November's invoice.
    attendance_mark(
        reason=LATE,
        actor=world.teacher,
        lesson=world.group.lessons.get(date=datetime.date(2026, 11, 3)),
        contract=contracts["artyom"],
        present=True,
    )
    time_machine.move_to(_at(5, month=11, hour=12), tick=False)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    assert Invoice.objects.get().lessons == 5
    assert Charge.objects.exclude(pk__in=_billed()).count() == 1


@pytest.mark.django_db
def test_the_console_command_closes_with_a_progress_bar_and_says_what_it_billed(
    time_machine, capsys
):
    world, _, _ = _october(time_machine)
    call_command("billing", "close-month", world.municipality.name, "2026-10")
    out, err = capsys.readouterr()
    assert "Месяц октябрь 2026 закрыт" in out
    assert "счетов: 1 на 1\xa0190,47\xa0₽" in out
    assert "Счета за октябрь 2026" in err  # the progress bar
    closure = MonthClosure.objects.get()
    assert closure.closed_by is None  # closed from the server's console
    assert "Документы счетов" in err  # rendered right after, with a bar of their own
    assert Invoice.objects.get().documents.count() == 3


@pytest.mark.django_db
def test_the_console_command_may_leave_the_documents_to_the_worker(time_machine, capsys):
    world, _, _ = _october(time_machine)
    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):
        call_command(
            "billing", "close-month", world.municipality.name, "2026-10", "--documents", "later"
        )
    out, _ = capsys.readouterr()
    assert "сформирует фоновый обработчик" in out
    invoice = Invoice.objects.get()
    assert not invoice.documents.exists()  # billed; the PDFs wait for the worker
    closure = MonthClosure.objects.get()
    assert closure.status == MonthClosureStatus.CLOSED
    assert month_close_module.closure_documents_issue(closure_id=closure.pk) == 1
    assert month_close_module.closure_documents_issue(closure_id=closure.pk) == 0  # stored once
    assert invoice.documents.count() == 3


@pytest.mark.django_db
def test_the_console_command_refuses_a_bad_month_in_russian(time_machine):
    world, _, _ = _october(time_machine)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="нужен вид ГГГГ-ММ"):
        call_command("billing", "close-month", world.municipality.name, "10.2026")
    with pytest.raises(CommandError, match="ещё не закончился"):
        call_command("billing", "close-month", world.municipality.name, "2026-11")


@pytest.mark.django_db(transaction=True)
def test_the_button_hands_the_close_to_the_worker(time_machine):
    world, operator, _ = _october(time_machine)
    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        closure = month_close_start(actor=operator, municipality=world.municipality, month=OCTOBER)
    closure.refresh_from_db()
    assert closure.status == MonthClosureStatus.CLOSED
    assert Invoice.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_operators_pressing_at_once_get_one_close(time_machine):
    world, operator, _ = _october(time_machine, second_provider=True)
    other_operator = user_make(Role.OPERATOR, world.municipality)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def press(actor) -> None:
        try:
            barrier.wait()
            month_close(actor=actor, municipality=world.municipality, month=OCTOBER)
        except MonthCloseError as refusal:  # the other one finished first
            assert "уже закрыт" in str(refusal)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=press, args=(actor,))
        for actor in (operator, other_operator, operator, other_operator)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert MonthClosure.objects.count() == 1
    assert MonthClosure.objects.get().status == MonthClosureStatus.CLOSED
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2]
    assert len(_billed()) == 6
    with transaction.atomic():
        assert all(result.ok for result in ledger_audit())


@pytest.mark.django_db
def test_corrections_after_a_close_go_on_the_next_invoice_and_the_closed_one_never_changes(
    time_machine,
):
    """After October is billed, the teacher finds that Артём was there on 22.10 after all and
    was not on 29.10; he also attends on 03.11. In kopecks, with the split 500 000 of 630 000:
    October charged 23 809 + 23 810 + 23 809 = 71 428 for 15, 20 and 29.10.
    - the late mark of 22.10: 120 000 of value → floor(120 000 × 500 000 ÷ 630 000) = 95 238,
      so 95 238 − 71 428 = 23 810 from the certificate and 6 190 from the family;
    - taking back 29.10 gives back what it was charged: 23 809 and 6 191;
    - 03.11: the active charges (15, 20, 22.10) are 90 000 of value and 71 429 charged, so
      95 238 − 71 429 = 23 809 and 6 191.
    November's invoice: its own line (1 lesson, 23 809 and 6 191) and one correction line for
    October (+1 −1 lessons, 23 810 − 23 809 = +1 and 6 190 − 6 191 = −1); October's invoice
    stays exactly as it was."""
    world, operator, contracts = _october(time_machine)
    october = month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    october_invoice = Invoice.objects.get(closure=october)
    frozen = (
        october_invoice.lessons,
        october_invoice.certificate_amount,
        october_invoice.parent_amount,
    )
    artyom = contracts["artyom"]

    time_machine.move_to(_at(5, month=11, hour=19), tick=False)
    attendance_mark(
        reason=LATE,
        actor=world.teacher,
        lesson=_lesson(world.group, 22),
        contract=artyom,
        present=True,
    )
    attendance_mark(
        reason=LATE,
        actor=world.teacher,
        lesson=_lesson(world.group, 29),
        contract=artyom,
        present=False,
    )
    attendance_mark(
        reason=LATE,
        actor=world.teacher,
        lesson=world.group.lessons.get(date=datetime.date(2026, 11, 3)),
        contract=artyom,
        present=True,
    )
    time_machine.move_to(_at(3, month=12, hour=12), tick=False)
    november = month_close(
        actor=operator, municipality=world.municipality, month=datetime.date(2026, 11, 1)
    )

    october_invoice.refresh_from_db()
    assert (
        october_invoice.lessons,
        october_invoice.certificate_amount,
        october_invoice.parent_amount,
    ) == frozen
    assert InvoiceLine.objects.filter(invoice=october_invoice).count() == 2
    invoice = Invoice.objects.get(closure=november)
    lines = {line.corrects_month: line for line in InvoiceLine.objects.filter(invoice=invoice)}
    assert set(lines) == {None, OCTOBER}
    own, correction = lines[None], lines[OCTOBER]
    assert (own.lessons_attended, own.certificate_amount, own.parent_amount) == (1, 23_809, 6_191)
    assert (correction.lessons_attended, correction.certificate_amount) == (0, 1)
    assert correction.parent_amount == -1
    assert (invoice.lessons, invoice.certificate_amount, invoice.parent_amount) == (
        1,
        23_810,
        6_190,
    )
    assert line_charges(line=correction).count() == line_reversals(line=correction).count() == 1
    assert all(result.ok for result in ledger_audit())


@pytest.mark.django_db
def test_the_childs_home_municipality_bills_and_its_close_makes_late_marks_corrections(
    time_machine,
):
    """A child of another municipality in the group: that municipality funds the certificate,
    so its close bills the lesson, and a mark made after its close is a correction for its
    next month, although the provider's own municipality has not closed October."""
    time_machine.move_to(_at(15, hour=18), tick=False)
    world = world_make()
    home, contract = neighbour_contract(world)
    attendance_mark(
        reason=LATE,
        actor=world.teacher,
        lesson=_lesson(world.group, 15),
        contract=contract,
        present=True,
    )
    time_machine.move_to(_at(5, month=11, hour=12), tick=False)
    month_close(actor=user_make(Role.OPERATOR, home), municipality=home, month=OCTOBER)
    assert Invoice.objects.get().provider == world.provider
    assert not MonthClosure.objects.filter(municipality=world.municipality).exists()

    attendance_mark(
        reason=LATE,
        actor=world.teacher,
        lesson=_lesson(world.group, 20),
        contract=contract,
        present=True,
    )
    late = Charge.objects.get(lesson__date=datetime.date(2026, 10, 20))
    assert late.billed_month == datetime.date(2026, 11, 1)


def test_the_providers_are_dealt_into_chunks_of_about_as_many_charges(monkeypatch):
    def totals(charges: list[int]) -> dict[int, ProviderTotals]:
        return {p: ProviderTotals(n, 0, n, n * 100, 0) for p, n in enumerate(charges, start=1)}

    def weights(chunks: list[list[int]], sums: dict[int, ProviderTotals]) -> list[int]:
        return [sum(sums[p].charges + 1 for p in chunk) for chunk in chunks]

    # A city's providers: many small ones and a big one among them (cut in the middle of the
    # list, one half would carry the big one and half the rest).
    city = totals([10] * 50 + [500] + [10] * 30)
    chunks = _chunks(list(city), city, 2)
    assert sorted(p for chunk in chunks for p in chunk) == list(city)  # each provider once
    assert all(chunk == sorted(chunk) for chunk in chunks)  # a step bills in provider order
    assert abs(weights(chunks, city)[0] - weights(chunks, city)[1]) <= 11, weights(chunks, city)
    assert _chunks(list(city), city, 2) == chunks  # the same totals, the same chunks
    # Even providers alternate; one without totals (monthly contracts only) weighs one.
    even = totals([5] * 10)
    assert _chunks([*even, 99], even, 2) == [[1, 3, 5, 7, 9, 99], [2, 4, 6, 8, 10]]
    assert _chunks(list(even), even, 1) == [list(even)]
    # No chunk over the step's size, whatever the weights.
    monkeypatch.setattr(provider_invoice_module, "PROVIDERS_PER_STEP", 3)
    assert [len(chunk) for chunk in _chunks(list(even), even, 2)] == [3, 3, 2, 2]
    assert [len(chunk) for chunk in _chunks(list(even), even, 1)] == [3, 3, 2, 2]
