"""What the operator's pages read, composed of the owning apps' selectors: the municipalities
a person oversees, and what needs the operator today."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from kruzhok.accounts.models import Role, User
from kruzhok.accounts.selectors import user_ids_in_municipalities
from kruzhok.billing import selectors as billing_selectors
from kruzhok.catalog.selectors import program_moderation_count
from kruzhok.certificates.financing_reads import FinancingFigures, financing_figures
from kruzhok.common.models import Municipality
from kruzhok.enrollment.selectors import application_overdue_list
from kruzhok.families.selectors import correction_list_for_oversight
from kruzhok.providers.selectors import (
    provider_moderation_count,
    staff_user_ids_in_municipalities,
)


def oversight_municipality_ids(*, user: User) -> list[int]:
    """The municipalities the person oversees: an operator's own, every one for a regional
    administrator, none for anyone else."""
    return billing_selectors.operator_municipality_ids(user=user)


def oversight_municipalities(*, user: User) -> list[Municipality]:
    return list(
        Municipality.objects.filter(pk__in=oversight_municipality_ids(user=user)).order_by("name")
    )


def audit_actor_ids(*, user: User) -> list[Iterable[int]] | None:
    """Whose actions the person reads in the journal: a regional administrator everyone's
    (None), an operator those of their municipality's people and providers' staff (two
    subqueries, never a list of every parent's id)."""
    if user.role == Role.REGIONAL_ADMIN:
        return None
    ids = oversight_municipality_ids(user=user)
    return [
        user_ids_in_municipalities(municipality_ids=ids),
        staff_user_ids_in_municipalities(municipality_ids=ids),
    ]


@dataclass(frozen=True)
class MonthToClose:
    municipality: Municipality
    month: datetime.date


@dataclass(frozen=True)
class Today:
    """What needs the operator today, each figure with the page that deals with it."""

    providers_to_moderate: int
    programs_to_moderate: int
    applications_overdue: int
    months_to_close: list[MonthToClose]
    closures_to_approve: list[billing_selectors.ClosureToApprove]
    financing: list[FinancingFigures]
    corrections_waiting: int = 0  # guardians' requests to correct a child's СНИЛС or birth date

    @property
    def to_moderate(self) -> int:
        return self.providers_to_moderate + self.programs_to_moderate

    @property
    def invoices_to_approve(self) -> int:
        return sum(c.invoices for c in self.closures_to_approve)


def operator_today(*, municipalities: list[Municipality], today: datetime.date) -> Today:
    ids = [m.pk for m in municipalities]
    return Today(
        providers_to_moderate=provider_moderation_count(municipality_ids=ids),
        programs_to_moderate=program_moderation_count(municipality_ids=ids),
        applications_overdue=application_overdue_list(municipality_ids=ids, today=today).count(),
        months_to_close=[
            MonthToClose(municipality=m, month=month)
            for m in municipalities
            for month in billing_selectors.months_to_close(municipality_id=m.pk, today=today)
        ],
        closures_to_approve=billing_selectors.closures_to_approve(municipality_ids=ids),
        financing=financing_figures(municipality_ids=ids, day=today),
        corrections_waiting=correction_list_for_oversight(municipality_ids=ids).count(),
    )
