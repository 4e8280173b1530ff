"""October 2026 closed for two providers, with the payer's and the payees' bank details filled
in: the registry the payment tests work on. Built through the real month close, so the
providers' payable accounts hold the money the invoices ask for.

The group schedule and prices are test_month_close's: 300 ₽ a lesson, contracts of 6 300 ₽
concluded on 15.10.2026 of which a 5 000 ₽ certificate pays floor(v × 5000 ÷ 6300) of the
attended value v. Артём attends the world provider's group on 15 and 20 October (600 ₽:
476,19 ₽ by certificate); Вера attends the second provider's group on 15 October (300 ₽:
238,09 ₽).
"""

import datetime

from kruzhok.accounts.models import Role
from kruzhok.attendance.services import attendance_mark
from kruzhok.billing.models import Invoice
from kruzhok.billing.month_close import month_close
from kruzhok.billing.tests.invoices import payer_details_set
from kruzhok.billing.tests.test_month_close import OCTOBER, _at, _lesson
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.tests.world import (
    child_make,
    contract_made,
    group_make,
    program_make,
    provider_make,
    user_make,
    world_make,
)
from kruzhok.providers.models import Provider

NOVEMBER_5 = datetime.date(2026, 11, 5)
FIRST, SECOND = 476_19, 238_09


def bank_details_set(provider: Provider, n: int) -> None:
    provider.bank_name = "ПАО Сбербанк, Ставропольское отделение № 5230"
    provider.bik = "040702615"
    provider.settlement_account = f"4070381086000000{n:04d}"
    provider.correspondent_account = "30101810907020000615"
    provider.save()


def closed_october(time_machine):
    """(world, operator, [the world provider's invoice, the second provider's]), both issued
    on 05.11.2026 and not yet approved."""
    time_machine.move_to(_at(15, hour=18), tick=False)
    world = world_make(nominal=5_000_00)
    artyom = contract_made(world)
    provider, admin, teacher = provider_make(world.municipality)
    other_group = group_make(program_make(provider), teacher)
    vera = child_make(world.parent)
    application = enrollment_services.application_submit(
        parent=world.parent, child_id=vera.pk, group_id=other_group.pk
    )
    enrollment_services.application_accept(actor=admin, application=application)
    vera_contract = enrollment_services.contract_accept(
        parent=world.parent, application=application
    )
    attendance_mark(
        actor=world.teacher, lesson=_lesson(world.group, 15), contract=artyom, present=True
    )
    attendance_mark(
        actor=teacher, lesson=_lesson(other_group, 15), contract=vera_contract, present=True
    )
    time_machine.move_to(_at(20), tick=False)
    attendance_mark(
        actor=world.teacher, lesson=_lesson(world.group, 20), contract=artyom, present=True
    )
    time_machine.move_to(_at(5, month=11, hour=12), tick=False)
    operator = user_make(Role.OPERATOR, world.municipality)
    payer_details_set(world.municipality)
    month_close(actor=operator, municipality=world.municipality, month=OCTOBER)
    invoices = list(Invoice.objects.select_related("provider").order_by("number"))
    for n, invoice in enumerate(invoices, start=1):
        bank_details_set(invoice.provider, n)
    return world, operator, invoices
