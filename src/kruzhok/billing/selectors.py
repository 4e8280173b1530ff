"""Billing reads: closed months, charge totals, the contracts a provider sees."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.billing.models import MonthClosure
from kruzhok.common.months import month_name
from kruzhok.enrollment.models import Charge, Contract
from kruzhok.providers.models import StaffRole


def month_closure_get(*, municipality_id: int, day: datetime.date) -> MonthClosure | None:
    """The closure of the month that `day` belongs to in the municipality, if it is closed."""
    return (
        MonthClosure.objects.filter(municipality_id=municipality_id, month=day.replace(day=1))
        .select_related("closed_by")
        .first()
    )


def month_closed_message(closure: MonthClosure) -> str:
    """Why a closed month refuses a change, and what to do instead."""
    return (
        f"Месяц {month_name(closure.month)} закрыт оператором "
        f"{timezone.localtime(closure.closed_at):%d.%m.%Y}: отметки и начисления за него "
        "окончательные. Если в них ошибка, сообщите оператору — исправление внесут "
        "в текущем месяце."
    )


@dataclass(frozen=True)
class ChargeTotals:
    lessons: int
    certificate: int  # kopecks
    parent: int  # kopecks


def charge_totals_by_contract(
    *, contract_ids: Iterable[int], lesson_ids: Iterable[int] | None = None
) -> dict[int, ChargeTotals]:
    """Active (not reversed) charges per contract, optionally only for some lessons."""
    charges = Charge.objects.filter(contract_id__in=list(contract_ids), reversed_at=None)
    if lesson_ids is not None:
        charges = charges.filter(lesson_id__in=list(lesson_ids))
    rows = charges.values("contract_id").annotate(
        lessons=Count("pk"), certificate=Sum("certificate_amount"), parent=Sum("parent_amount")
    )
    return {
        row["contract_id"]: ChargeTotals(row["lessons"], row["certificate"], row["parent"])
        for row in rows
    }


def contract_list_for_staff(*, user: User) -> QuerySet[Contract]:
    """Contracts a provider's staff member may see: all of the provider's for its
    administrators, the teacher's own groups for a teacher."""
    admin_of = user.provider_roles.filter(role=StaffRole.ADMIN).values("provider_id")
    return (
        Contract.objects.filter(
            Q(application__group__program__provider_id__in=admin_of)
            | Q(application__group__teacher=user)
        )
        .select_related("application__child", "application__group__program__provider")
        .order_by("application__group__program__title", "application__group__name", "number")
    )
