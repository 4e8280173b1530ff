"""Month closure: the operator makes a month's attendance and charges final."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.billing.models import MonthClosure
from kruzhok.common.models import Municipality
from kruzhok.common.months import month_name
from kruzhok.common.services import audit_record


class MonthCloseError(Exception):
    """A refused month close; `str(error)` says in Russian why."""


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
