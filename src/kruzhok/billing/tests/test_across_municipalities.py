"""A child of municipality M taking lessons from a provider of N (the financing program's
default reach): M's month close bills them, paid from M's money; N's close has nothing."""

import datetime

import pytest

from kruzhok.attendance import services as attendance_services
from kruzhok.billing.models import Invoice
from kruzhok.billing.month_close import month_close
from kruzhok.billing.tests.invoices import payer_details_set
from kruzhok.enrollment import services
from kruzhok.enrollment.tests.world import MOSCOW, TODAY, world_make


@pytest.fixture
def elsewhere(world):
    return world_make()


def test_the_home_municipality_bills_the_lessons_taken_elsewhere(world, elsewhere, time_machine):
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=elsewhere.group.pk
    )
    services.application_accept(actor=elsewhere.admin, application=application)
    contract = services.contract_accept(parent=world.parent, application=application)
    attendance_services.attendance_mark(
        actor=elsewhere.teacher,
        lesson=elsewhere.group.lessons.get(date=TODAY),
        contract=contract,
        present=True,
    )
    time_machine.move_to(datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW), tick=False)
    for municipality in (world.municipality, elsewhere.municipality):
        payer_details_set(municipality)
        month_close(actor=None, municipality=municipality, month=datetime.date(2026, 10, 1))
    # M's close pays N's provider for M's child; N's close has nothing of it.
    invoice = Invoice.objects.get()
    assert invoice.closure.municipality == world.municipality
    assert invoice.provider == elsewhere.provider
    assert invoice.lines.get().contract == contract
