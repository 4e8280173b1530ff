"""Charges for attended lessons (regime per_lesson).

The certificate's share is computed cumulatively so that, lesson after lesson, the amounts
charged to the certificate never drift from the contract's split:

    certificate charged so far = floor(attended value so far × certificate part ÷ total cost)

and when every lesson has been attended the totals equal the contract's parts to the kopeck.
"""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.billing.models import Charge, MonthClosure
from kruzhok.billing.selectors import month_name
from kruzhok.catalog.models import Lesson
from kruzhok.certificates import ledger
from kruzhok.common.models import Municipality
from kruzhok.common.services import audit_record
from kruzhok.enrollment.models import Contract


class MonthCloseError(Exception):
    """A refused month close; `str(error)` says in Russian why."""


def certificate_share(
    *, value_before: int, charged_before: int, lesson_value: int, contract: Contract
) -> int:
    """The certificate's part of one more lesson, by cumulative rounding down."""
    if contract.total_cost == 0 or contract.certificate_part == 0:
        return 0
    target = (value_before + lesson_value) * contract.certificate_part // contract.total_cost
    return max(0, min(lesson_value, target - charged_before))


def lesson_charge(*, contract: Contract, lesson: Lesson) -> Charge:
    """Charge one attended lesson under a contract, once.

    Call inside the caller's transaction with the contract row locked: a second call for the
    same lesson returns the active charge; the ledger key makes a retried transfer move money
    once.
    """
    active = Charge.objects.filter(contract=contract, lesson=lesson, reversed_at=None).first()
    if active is not None:
        return active
    lesson_value = contract.price_per_hour * lesson.hours
    totals = Charge.objects.filter(contract=contract, reversed_at=None).aggregate(
        value=Sum("lesson_value"), certificate=Sum("certificate_amount")
    )
    share = certificate_share(
        value_before=totals["value"] or 0,
        charged_before=totals["certificate"] or 0,
        lesson_value=lesson_value,
        contract=contract,
    )
    transfer = None
    if share > 0 and contract.hold is not None:
        generation = Charge.objects.filter(contract=contract, lesson=lesson).count()
        child_id = contract.application.child_id
        transfer = ledger.hold_post(
            hold=contract.hold,
            amount=share,
            key=f"attendance:{lesson.pk}:{child_id}:{generation}",
            description=f"Занятие {lesson.date:%d.%m.%Y}",
        )
    elif contract.hold is None:
        share = 0
    return Charge.objects.create(
        contract=contract,
        lesson=lesson,
        lesson_value=lesson_value,
        certificate_amount=share,
        parent_amount=lesson_value - share,
        transfer=transfer,
    )


def lesson_charge_reverse(*, contract: Contract, lesson: Lesson) -> Charge | None:
    """Undo the active charge of a lesson (attendance un-marked); None if there is none.

    The certificate's share goes back into the contract's reserve by a reversing transfer.
    """
    charge = Charge.objects.filter(contract=contract, lesson=lesson, reversed_at=None).first()
    if charge is None:
        return None
    if charge.transfer is not None:
        charge.reversal = ledger.transfer_reverse(
            transfer=charge.transfer,
            key=f"reverse:{charge.transfer.idempotency_key}",
            description=f"Отмена отметки за {lesson.date:%d.%m.%Y}",
        )
    charge.reversed_at = timezone.now()
    charge.save(update_fields=["reversal", "reversed_at"])
    return charge


# Month closure ------------------------------------------------------------------------------


def month_is_closed(*, municipality_id: int, day: datetime.date) -> bool:
    """Whether the month that `day` belongs to is closed in the municipality."""
    return MonthClosure.objects.filter(
        municipality_id=municipality_id, month=day.replace(day=1)
    ).exists()


def month_close(
    *,
    actor: User,
    municipality: Municipality,
    month: datetime.date,
    today: datetime.date | None = None,
) -> MonthClosure:
    """Close a month of a municipality: from now on its attendance cannot be changed.

    Guarantees: only an operator of that municipality (or a regional administrator) closes it;
    only a month that is over; each month once (a database constraint backs it).
    """
    today = today or timezone.localdate()
    first = month.replace(day=1)
    if actor.role == Role.OPERATOR and actor.municipality_id != municipality.pk:
        raise MonthCloseError("Закрыть месяц может только оператор этого муниципалитета.")
    if actor.role not in (Role.OPERATOR, Role.REGIONAL_ADMIN):
        raise MonthCloseError("Закрывать месяцы может только муниципальный оператор.")
    if first >= today.replace(day=1):
        raise MonthCloseError(
            f"Месяц {month_name(first)} ещё не закончился: закрыть можно только прошедший месяц."
        )
    try:
        with transaction.atomic():
            closure = MonthClosure.objects.create(
                municipality=municipality, month=first, closed_by=actor
            )
            audit_record(actor=actor, action="month_close", obj=closure, month=first)
    except IntegrityError as exc:
        raise MonthCloseError(f"Месяц {month_name(first)} уже закрыт.") from exc
    return closure
