"""The month close's lines and their rule: a line bills its contract's charges of its month by
rule (`billing.selectors.line_charges`, `line_reversals`), so every charge the close sums is on
exactly one line and each line is what its charges add up to; the hand-written lines insert
(`billing.close_sql.lines_insert`) stores each value as the ORM reads it; and the month's
freeze (`close_sql.month_lock`) makes a close wait for a mark that holds its month open."""

import datetime
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction

from kruzhok.attendance.services import attendance_mark
from kruzhok.billing import close_sql
from kruzhok.billing import provider_invoice as provider_invoice_module
from kruzhok.billing.models import Invoice, InvoiceLine, MonthClosure
from kruzhok.billing.month_close import month_close, month_close_start, month_hold_open
from kruzhok.billing.selectors import line_charges, line_reversals
from kruzhok.billing.tests.test_month_close import OCTOBER, _at, _lesson, _october
from kruzhok.enrollment.models import Charge

NOVEMBER = datetime.date(2026, 11, 1)


def _november(time_machine, world, contracts) -> None:
    """After October is closed: a late mark of October (a correction line), a billed October
    lesson taken back (billed back on the same correction line), and lessons of November's
    own for Артём and the other provider's child (Вера left in October)."""
    artyom = contracts["artyom"]
    time_machine.move_to(_at(5, month=11, hour=19), tick=False)
    attendance_mark(
        actor=world.teacher,
        lesson=_lesson(world.group, 22),
        contract=artyom,
        present=True,
        reason="Журнал заполнен по бумажному",
    )
    attendance_mark(
        actor=world.teacher,
        lesson=_lesson(world.group, 15),
        contract=artyom,
        present=False,
        reason="Отметили по ошибке",
    )
    for who in ("artyom", "other"):
        contract = contracts[who]
        lesson = contract.application.group.lessons.filter(date=datetime.date(2026, 11, 3))
        if lesson.exists():
            attendance_mark(
                actor=contract.application.group.teacher,
                lesson=lesson.get(),
                contract=contract,
                present=True,
            )


@pytest.mark.django_db
@pytest.mark.parametrize("providers_per_step", [1, 100], ids=["a step each", "one step"])
def test_each_charge_is_on_one_line_and_each_line_is_its_charges(
    time_machine, monkeypatch, providers_per_step
):
    monkeypatch.setattr(provider_invoice_module, "PROVIDERS_PER_STEP", providers_per_step)
    world, operator, contracts = _october(time_machine, second_provider=True)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    artyom = contracts["artyom"]
    _november(time_machine, world, contracts)
    time_machine.move_to(_at(2, month=12, hour=12), tick=False)
    month_close(actor=operator, municipality=world.municipality, month=NOVEMBER)

    lines = list(InvoiceLine.objects.select_related("invoice__closure"))
    assert len({line.invoice_id for line in lines if line.invoice.closure.month == NOVEMBER}) == 2
    on_lines: list[int] = []
    for line in lines:
        charges, reversals = line_charges(line=line), line_reversals(line=line)
        on_lines += charges.values_list("pk", flat=True)
        summed = [
            sum(getattr(c, field) for c in charges) - sum(getattr(c, field) for c in reversals)
            for field in ("certificate_amount", "parent_amount")
        ]
        lessons = charges.count() - reversals.count()
        assert (line.lessons_attended, line.certificate_amount, line.parent_amount) == (
            lessons,
            *summed,
        ), line
    assert sorted(on_lines) == sorted(
        Charge.objects.filter(billed_month__in=[OCTOBER, NOVEMBER])
        .exclude(reversed_at__isnull=False, reversal_billed_month=None)
        .values_list("pk", flat=True)
    )
    correction = InvoiceLine.objects.get(contract=artyom, corrects_month=OCTOBER)
    assert line_reversals(line=correction).count() == 1  # the 15th, taken back
    assert line_charges(line=correction).count() == 1  # the 22nd, marked late


_LINE_VALUES = close_sql.LineRow._fields


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_statement_builds_the_lines_the_orm_builds(time_machine):
    """November's close on PostgreSQL builds its lines by one statement (`lines_build`); built
    again by the ORM's road (`_lines_in_python`, SQLite's), they are the same, value by value:
    the month's own lines with their planned lessons (a contract that ended mid-month, a
    cancelled lesson), a correction line with a late mark and a billed lesson taken back, a
    contract whose only line is a lesson taken back (Вера's, who left in October), a child
    without a patronymic, and two providers."""
    world, operator, contracts = _october(time_machine, second_provider=True)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    artyom, vera = contracts["artyom"], contracts["vera"]
    child = artyom.application.child
    child.patronymic = ""
    child.save(update_fields=["patronymic"])
    _november(time_machine, world, contracts)
    attendance_mark(
        actor=world.teacher,
        lesson=_lesson(world.group, 20),
        contract=vera,
        present=False,
        reason="Была на больничном",
    )
    time_machine.move_to(_at(2, month=12, hour=12), tick=False)
    closure = month_close(
        actor=operator, municipality=world.municipality, month=NOVEMBER, documents=False
    )
    invoices = list(Invoice.objects.filter(closure=closure).order_by("pk"))
    assert len(invoices) == 2
    lines = InvoiceLine.objects.filter(invoice__in=invoices).order_by(
        "invoice_id", "contract_id", "corrects_month"
    )
    by_statement = list(lines.values_list(*_LINE_VALUES))
    assert any(row[6] == OCTOBER for row in by_statement)  # a correction line
    assert any(row[3] == "Соколов А." for row in by_statement)  # no patronymic
    assert any(row[7] > 0 for row in by_statement)  # lessons planned counted
    assert [row[6:] for row in by_statement if row[1] == vera.pk] == [
        (OCTOBER, 0, -1, -238_10, -61_90)  # her 20 October lesson, 300 ₽, taken back
    ]
    lines.delete()
    provider_invoice_module._lines_in_python(closure, invoices)
    assert list(lines.values_list(*_LINE_VALUES)) == by_statement


@pytest.mark.django_db
def test_the_lines_insert_stores_each_value_as_the_orm_reads_it(time_machine):
    world, operator, contracts = _october(time_machine)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    invoice = Invoice.objects.get()
    rows = [
        close_sql.LineRow(
            invoice_id=invoice.pk,
            contract_id=contracts["artyom"].pk,
            contract_number="2026-000042",
            child_initials="О'Нил-Щукина Ё. Ъ.",
            program_title='«Робототехника», 1-й год; "кавычки" и \\ обратная черта',
            group_name="=HYPERLINK(1)",
            corrects_month=datetime.date(2026, 9, 1),
            lessons_planned=0,
            lessons_attended=-1,
            certificate_amount=-714_28,
            parent_amount=-185_72,
        ),
        close_sql.LineRow(
            invoice_id=invoice.pk,
            contract_id=contracts["vera"].pk,
            contract_number="2026-000043",
            child_initials="Соколова В. И.",
            program_title="Робототехника",
            group_name="Группа 1",
            corrects_month=datetime.date(2026, 8, 1),
            lessons_planned=4,
            lessons_attended=3,
            certificate_amount=9_000_000_000_00,  # past 32 bits
            parent_amount=0,
        ),
    ]
    close_sql.lines_insert(rows)
    stored = list(
        InvoiceLine.objects.filter(invoice=invoice, corrects_month__lt=OCTOBER)
        .order_by("corrects_month")
        .values_list(
            "invoice_id",
            "contract_id",
            "contract_number",
            "child_initials",
            "program_title",
            "group_name",
            "corrects_month",
            "lessons_planned",
            "lessons_attended",
            "certificate_amount",
            "parent_amount",
        )
    )
    assert stored == [tuple(row) for row in reversed(rows)]


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_deferred_checks_run_at_once_and_then_are_deferred_again(time_machine):
    """`deferred_checks_run` checks the foreign keys of what was written so far (a line naming
    no invoice is refused there, not at the commit), then leaves later writes' checks to the
    commit again, and the planner's settings as they were."""
    world, operator, _ = _october(time_machine)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    line = InvoiceLine.objects.first()
    assert line is not None

    def dangling() -> None:
        close_sql.lines_insert(
            [close_sql.LineRow(**{**_line_values(line), "invoice_id": 10**9})]  # no such invoice
        )

    with pytest.raises(IntegrityError), transaction.atomic():
        dangling()
        close_sql.deferred_checks_run()
    with transaction.atomic():
        close_sql.deferred_checks_run()
        dangling()  # deferred again: not refused yet
        with connection.cursor() as cursor:
            cursor.execute("SHOW enable_seqscan")
            assert cursor.fetchone() == ("on",)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_an_invoice_has_one_line_per_contract_and_month_it_bills(time_machine):
    """One unique index holds both kinds of line: a second line of a contract's own month, or
    a second correction of the same month, is refused by the database; a correction line
    beside the month's own line, or of another month, is not."""
    world, operator, _ = _october(time_machine)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    line = InvoiceLine.objects.filter(corrects_month=None).first()
    assert line is not None
    values = _line_values(line)

    def insert(corrects_month: datetime.date | None) -> None:
        with transaction.atomic():
            close_sql.lines_insert(
                [close_sql.LineRow(**{**values, "corrects_month": corrects_month})]
            )

    with pytest.raises(IntegrityError):
        insert(None)
    insert(datetime.date(2026, 9, 1))
    insert(datetime.date(2026, 8, 1))
    with pytest.raises(IntegrityError):
        insert(datetime.date(2026, 9, 1))
    assert InvoiceLine.objects.filter(invoice=line.invoice, contract=line.contract).count() == 3


def _line_values(line: InvoiceLine) -> dict[str, object]:
    return {name: getattr(line, name) for name in _LINE_VALUES}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_close_waits_for_the_mark_holding_its_month_open_and_later_marks_see_it(time_machine):
    """A mark that read November as open bills it before November's close begins: the close's
    batch waits for the mark's commit, and a mark after the batch finds November closing."""
    world, operator, _ = _october(time_machine)
    time_machine.move_to(_at(2, month=12, hour=12), tick=False)
    held, committed = threading.Event(), []

    def mark_in_flight() -> None:
        try:
            with transaction.atomic():
                month = month_hold_open(
                    municipality_id=world.municipality.pk, day=datetime.date(2026, 11, 17)
                )
                assert month == NOVEMBER
                held.set()
                time.sleep(1)
                committed.append(time.monotonic())
        finally:
            connection.close()

    thread = threading.Thread(target=mark_in_flight)
    thread.start()
    assert held.wait(10)
    month_close_start(
        actor=operator, municipality=world.municipality, month=NOVEMBER, in_background=False
    )
    started = time.monotonic()
    thread.join(10)
    assert committed and started >= committed[0]  # the batch waited for the mark
    assert MonthClosure.objects.filter(month=NOVEMBER).exists()
    with transaction.atomic():
        # Later marks of November bill the first month still open.
        assert month_hold_open(
            municipality_id=world.municipality.pk, day=datetime.date(2026, 11, 17)
        ) == datetime.date(2026, 12, 1)
    assert not Invoice.objects.filter(closure__month=NOVEMBER).exists()  # only begun
