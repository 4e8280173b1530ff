"""Invoices built by hand from the models, with figures computed by hand: what the documents
and the pages must show, independent of the month close that issues real ones."""

import datetime
import itertools
from dataclasses import dataclass

from kruzhok.accounts.models import Role
from kruzhok.billing.models import Invoice, InvoiceLine, MonthClosure
from kruzhok.common.models import Municipality
from kruzhok.common.sample_numbers import inn_sample, ogrn_sample
from kruzhok.enrollment.tests.world import World, child_make, contract_made, user_make
from kruzhok.providers.models import Provider

SEPTEMBER = datetime.date(2026, 9, 1)
OCTOBER = datetime.date(2026, 10, 1)
ISSUED_ON = datetime.date(2026, 11, 6)

_numbers = itertools.count(1)


@dataclass(frozen=True)
class Line:
    child: str
    program: str
    group: str
    planned: int
    attended: int
    certificate: int  # kopecks
    parent: int  # kopecks
    corrects: datetime.date | None = None  # a correction of this closed month


# In the order the documents list them (program, group, child). The certificate parts add up
# to 120 000 kopecks, the issue's example: «одна тысяча двести рублей 00 копеек».
HAND_LINES = (
    Line("Андреев И. П.", "Робототехника", "Группа 1", 9, 8, 60_000, 12_345),
    Line("Борисова А. С.", "Робототехника", "Группа 1", 9, 5, 45_000, 0),
    Line("Соколов А. И.", "Шахматы", "Группа 2", 4, 3, 15_000, 5_055),
)
HAND_TOTALS = {"planned": 22, "attended": 16, "certificate": 120_000, "parent": 17_400}

PAYER = {
    "payer_name": "Управление образования администрации Тестового округа",
    "payer_inn": inn_sample(950, prefix="2615"),
    "payer_kpp": "261501001",
    "payer_ogrn": ogrn_sample(950, prefix="2615"),
    "payer_address": "356880, Ставропольский край, г. Нефтекумск, пл. Ленина, д. 1",
    "payer_bank_name": "Отделение Ставрополь Банка России//УФК по Ставропольскому краю",
    "payer_bik": "010702101",
    "payer_account": "03231643075400002100",
    "payer_correspondent_account": "40102810345370000013",
}


def payer_details_set(municipality: Municipality) -> None:
    for name, value in PAYER.items():
        setattr(municipality, name, value)
    municipality.save()


def closure_make(municipality: Municipality, month: datetime.date = OCTOBER) -> MonthClosure:
    return MonthClosure.objects.create(
        municipality=municipality,
        month=month,
        closed_by=user_make(Role.OPERATOR, municipality),
    )


def invoice_make(
    world: World,
    *,
    lines: tuple[Line, ...] = HAND_LINES,
    provider: Provider | None = None,
    closure: MonthClosure | None = None,
    number: int = 12,
    act_number: int = 7,
) -> Invoice:
    """An issued invoice of the world's provider (or another) with the given lines, each on a
    contract of its own."""
    closure = closure or closure_make(world.municipality)
    invoice = Invoice.objects.create(
        closure=closure,
        provider=provider or world.provider,
        series=f"{closure.municipality_id}-{ISSUED_ON.year}-{next(_numbers)}",
        number=number,
        act_number=act_number,
        issued_on=ISSUED_ON,
        lessons=sum(line.attended for line in lines),
        certificate_amount=sum(line.certificate for line in lines),
        parent_amount=sum(line.parent for line in lines),
    )
    for line in lines:
        contract = contract_made(world, child=child_make(world.parent))
        InvoiceLine.objects.create(
            invoice=invoice,
            contract=contract,
            contract_number=contract.number,
            child_initials=line.child,
            program_title=line.program,
            group_name=line.group,
            corrects_month=line.corrects,
            lessons_planned=line.planned,
            lessons_attended=line.attended,
            certificate_amount=line.certificate,
            parent_amount=line.parent,
        )
    return invoice
