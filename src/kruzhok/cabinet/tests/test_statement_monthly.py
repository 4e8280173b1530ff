"""A contract paid monthly shows on the statement as the month charged as a whole."""

import datetime

import pytest
from django.urls import reverse

from kruzhok.billing.month_close import month_close
from kruzhok.billing.tests.scenes import OCTOBER, at, monthly_scene
from kruzhok.cabinet.statements import child_statement, child_statement_months

pytestmark = pytest.mark.django_db


def test_a_monthly_contracts_month_is_one_line_with_its_figures(time_machine, client):
    world, _, operator = monthly_scene(time_machine)
    time_machine.move_to(at(5, 11), tick=False)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)

    assert [m.month for m in child_statement_months(child=world.child)] == [OCTOBER]
    statement = child_statement(child=world.child, month=OCTOBER, today=datetime.date(2026, 11, 5))
    (item,) = statement.contracts
    (line,) = item.lines
    assert line.lesson_date is None
    assert (line.lesson_value, line.certificate_amount, line.parent_amount) == (
        131_612,
        104_453,
        27_159,
    )
    assert item.lessons == 0
    client.force_login(world.parent)
    page = client.get(reverse("cabinet:statement", args=[world.child.pk, OCTOBER])).content.decode()
    assert "обучение за месяц" in page
