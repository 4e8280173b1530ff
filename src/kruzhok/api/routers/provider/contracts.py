"""The contracts of the organisation's groups."""

import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kruzhok.api.answers import READ_ERRORS
from kruzhok.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from kruzhok.api.problems import Problem
from kruzhok.api.routers.provider.access import caller_of
from kruzhok.api.routers.provider.applications import ApplicationStatusSlug
from kruzhok.api.schemas import Money, money
from kruzhok.billing.selectors import contract_list_for_staff

router = Router()


class ContractOut(Schema):
    id: int
    number: str
    application_id: int
    status: ApplicationStatusSlug  # type: ignore[valid-type]
    status_name: str
    group_id: int
    program_id: int
    provider_id: int
    child_name: str
    start_date: datetime.date
    end_date: datetime.date
    terminated_on: datetime.date | None
    billing_regime: str
    price_per_hour: Money
    total_hours: int
    total_cost: Money
    certificate_part: Money
    parent_part: Money
    accepted_at: datetime.datetime


class ContractPage(Schema):
    items: list[ContractOut]
    next_cursor: str | None


class ContractFilters(Schema):
    group: int | None = Field(None, ge=1, le=2**31 - 1)
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


@router.get(
    "/contracts",
    response={200: ContractPage, READ_ERRORS: Problem},
    summary="Договоры",
    url_name="provider_contract_list",
)
def contract_list(request: HttpRequest, filters: Query[ContractFilters]) -> ContractPage:
    """Contracts the caller may see (an administrator: the organisation's; a teacher: their
    groups'), as the contracts export has them, in the order they were concluded."""
    caller = caller_of(request)
    contracts = contract_list_for_staff(user=caller.user).filter(
        caller.provider_filter("application__group__program__provider")
    )
    if filters.group is not None:
        contracts = contracts.filter(application__group_id=filters.group)
    rows, next_cursor = keyset_page(
        contracts, order=("pk",), kinds=(int,), limit=filters.limit, cursor=filters.cursor
    )
    return ContractPage(
        items=[
            ContractOut(
                id=c.pk,
                number=c.number,
                application_id=c.application_id,
                status=c.application.status,
                status_name=c.application.get_status_display(),
                group_id=c.application.group_id,
                program_id=c.application.group.program_id,
                provider_id=c.application.group.program.provider_id,
                child_name=c.application.child.initials_name,
                start_date=c.start_date,
                end_date=c.end_date,
                terminated_on=c.terminated_on,
                billing_regime=c.billing_regime,
                price_per_hour=money(c.price_per_hour),
                total_hours=c.total_hours,
                total_cost=money(c.total_cost),
                certificate_part=money(c.certificate_part),
                parent_part=money(c.parent_part),
                accepted_at=c.accepted_at,
            )
            for c in rows
        ],
        next_cursor=next_cursor,
    )
