"""The month close's hand-written link (`billing.close_sql`) held equal to the ORM: the links it
makes are the ones the model's own rule gives (each unbilled charge to the line of its contract
and month, a late mark to the correction line of its month), and the sums it returns are what
the ORM reads back from the links. On PostgreSQL that is the data-modifying CTE; on SQLite the
plain INSERT … SELECT."""

import dataclasses
import datetime

import pytest

from kruzhok.attendance.services import attendance_mark
from kruzhok.billing import close_sql
from kruzhok.billing import provider_invoice as provider_invoice_module
from kruzhok.billing.models import Invoice, InvoicedCharge, InvoiceLine
from kruzhok.billing.month_close import month_close
from kruzhok.billing.tests.test_month_close import OCTOBER, _at, _lesson, _october
from kruzhok.enrollment.models import Charge

NOVEMBER = datetime.date(2026, 11, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("providers_per_step", [1, 100], ids=["a step each", "one step"])
def test_the_set_based_link_makes_the_orms_links_and_sums(
    time_machine, monkeypatch, providers_per_step
):
    monkeypatch.setattr(provider_invoice_module, "PROVIDERS_PER_STEP", providers_per_step)
    world, operator, contracts = _october(time_machine, second_provider=True)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    artyom = contracts["artyom"]
    time_machine.move_to(_at(5, month=11, hour=19), tick=False)
    # A late mark of October (a correction line) and two lessons of November's own.
    attendance_mark(
        actor=world.teacher,
        lesson=_lesson(world.group, 22),
        contract=artyom,
        present=True,
        reason="Журнал заполнен по бумажному",
    )
    for who in ("artyom", "vera", "other"):
        contract = contracts[who]
        lesson = contract.application.group.lessons.filter(date=datetime.date(2026, 11, 3))
        if who != "vera" and lesson.exists():  # Вера left in October
            attendance_mark(
                actor=contract.application.group.teacher,
                lesson=lesson.get(),
                contract=contract,
                present=True,
            )
    returned: list[tuple[int, dict[int, close_sql.LineSums]]] = []
    real = close_sql.charges_link

    def recorded(**kwargs):
        result = real(**kwargs)
        returned.append(result)
        return result

    monkeypatch.setattr(provider_invoice_module.close_sql, "charges_link", recorded)
    time_machine.move_to(_at(2, month=12, hour=12), tick=False)
    month_close(actor=operator, municipality=world.municipality, month=NOVEMBER)

    invoices = list(Invoice.objects.filter(closure__month=NOVEMBER).order_by("provider_id"))
    assert len(invoices) == 2
    assert len(returned) == (2 if providers_per_step == 1 else 1)
    expected = {
        charge.pk: (charge.contract_id, None if charge.for_month == NOVEMBER else charge.for_month)
        for charge in Charge.objects.filter(billed_month=NOVEMBER, reversed_at=None)
    }
    linked = {
        link.charge_id: (link.line.contract_id, link.line.corrects_month)
        for link in InvoicedCharge.objects.filter(line__invoice__in=invoices).select_related("line")
    }
    assert linked == expected
    assert any(corrects == OCTOBER for _, corrects in linked.values())
    # What each statement returned is what the ORM reads back from its links.
    assert sum(count for count, _ in returned) == len(linked)
    everything = close_sql.linked_sums(invoice_ids=[invoice.pk for invoice in invoices])
    assert {line: sums for _, step in returned for line, sums in step.items()} == everything
    assert sum(sums.charges for sums in everything.values()) == len(linked)


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
    assert stored == [dataclasses.astuple(row) for row in reversed(rows)]
