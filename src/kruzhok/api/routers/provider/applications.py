"""The application queue: reading it, accepting and rejecting in bulk."""

import datetime
from collections.abc import Callable
from typing import Literal, get_args

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from kruzhok.api.answers import (
    KEYED_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    IdPath,
    json_answer,
    outcome_counts,
)
from kruzhok.api.auth import Principal
from kruzhok.api.idempotency import idempotent
from kruzhok.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from kruzhok.api.problems import ApiProblem, Problem
from kruzhok.api.routers.provider.access import caller_of
from kruzhok.enrollment import selectors as enrollment_selectors
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Application, ApplicationStatus

router = Router()

ApplicationStatusSlug = Literal[tuple(ApplicationStatus.values)]  # type: ignore[valid-type]


class QueueApplication(Schema):
    id: int
    status: ApplicationStatusSlug  # type: ignore[valid-type]
    status_name: str
    group_id: int
    program_id: int
    provider_id: int
    child_id: int
    child_name: str = Field(description="фамилия и инициалы, как в очереди на странице")
    child_birth_date: datetime.date
    created_at: datetime.datetime
    decide_by: datetime.date | None
    overdue: bool = Field(description="подана и не рассмотрена за три рабочих дня")
    offer_expires_at: datetime.datetime | None
    reason: str = Field(description="причина отказа или отчисления, если есть")
    contract_id: int | None


class QueuePage(Schema):
    items: list[QueueApplication]
    next_cursor: str | None


class QueueFilters(Schema):
    status: ApplicationStatusSlug | None = Field(  # type: ignore[valid-type]
        None, description="без него — заявки во всех состояниях"
    )
    group: int | None = Field(None, ge=1, le=2**31 - 1)
    overdue: bool = Field(False, description="только просроченные")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


def _application_out(application: Application) -> QueueApplication:
    contract = getattr(application, "contract", None)
    return QueueApplication(
        id=application.pk,
        status=application.status,
        status_name=application.get_status_display(),
        group_id=application.group_id,
        program_id=application.group.program_id,
        provider_id=application.group.program.provider_id,
        child_id=application.child_id,
        child_name=application.child.initials_name,
        child_birth_date=application.child.birth_date,
        created_at=application.created_at,
        decide_by=application.decide_by,
        overdue=bool(getattr(application, "is_overdue", False)),
        offer_expires_at=application.offer_expires_at,
        reason=application.reason,
        contract_id=contract.pk if contract is not None else None,
    )


def _queue(caller: Principal, **filters: object) -> QuerySet[Application]:
    return enrollment_selectors.application_queue_for_staff(
        user=caller.user,
        **filters,  # type: ignore[arg-type]
    ).filter(caller.provider_filter("group__program__provider"))


@router.get(
    "/applications",
    response={200: QueuePage, READ_ERRORS: Problem},
    summary="Очередь заявок",
    url_name="provider_application_list",
)
def application_list(request: HttpRequest, filters: Query[QueueFilters]) -> QueuePage:
    """Applications the caller may decide on (an administrator: the organisation's; a teacher:
    their groups'), oldest first — first come, first served."""
    caller = caller_of(request)
    queue = _queue(
        caller, status=filters.status or "", group_id=filters.group, overdue=filters.overdue
    )
    rows, next_cursor = keyset_page(
        queue,
        order=("created_at", "pk"),
        kinds=(datetime.datetime, int),
        limit=filters.limit,
        cursor=filters.cursor,
    )
    return QueuePage(items=[_application_out(a) for a in rows], next_cursor=next_cursor)


Outcome = Literal["accepted", "waitlisted", "rejected", "refused", "not_found"]


class Decided(Schema):
    id: int
    outcome: Outcome = Field(
        description="accepted — место за ребёнком, оферта открыта; waitlisted — мест нет, "
        "заявка в листе ожидания; rejected — отклонена; refused — не выполнено (см. detail); "
        "not_found — такой заявки в вашей очереди нет"
    )
    status: ApplicationStatusSlug | None  # type: ignore[valid-type]
    detail: str


class DecisionSummary(Schema):
    results: list[Decided]
    accepted: int
    waitlisted: int
    rejected: int
    refused: int
    not_found: int


IdList = list[IdPath]


class AcceptIn(Schema):
    ids: IdList = Field(min_length=1, max_length=200, description="номера заявок")


class RejectIn(Schema):
    ids: IdList = Field(min_length=1, max_length=200, description="номера заявок")
    reason: str = Field(
        min_length=1, max_length=1000, description="причина отказа: её увидит родитель"
    )


NOT_IN_QUEUE = "Заявка не найдена в вашей очереди."


def _decide_each(
    caller: Principal, ids: list[int], decide: Callable[[Application], Decided]
) -> DecisionSummary:
    """`decide` each application of the caller's queue among the ids, in the queue's order
    (oldest first), each in its own transaction (the service's): one the service refuses is
    `refused` with its reason, an id not in the queue `not_found`; the results by id."""
    wanted = sorted(set(ids))
    results: dict[int, Decided] = {}
    for application in _queue(caller).filter(pk__in=wanted):
        try:
            results[application.pk] = decide(application)
        except enrollment_services.EnrollmentError as error:
            results[application.pk] = Decided(
                id=application.pk,
                outcome="refused",
                status=application.status,
                detail=error.message,
            )
    in_order = [
        results.get(pk) or Decided(id=pk, outcome="not_found", status=None, detail=NOT_IN_QUEUE)
        for pk in wanted
    ]
    return DecisionSummary(results=in_order, **outcome_counts(in_order, get_args(Outcome)))


@router.post(
    "/applications/accept",
    response={200: DecisionSummary, KEYED_ERRORS: Problem},
    summary="Принять заявки",
    url_name="provider_application_accept_bulk",
)
def application_accept_bulk(
    request: HttpRequest,
    payload: AcceptIn,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Accept the applications, each in its own transaction, oldest first (the seats go in
    the order the applications came), as the queue page's «принять отмеченные» does: a
    submitted one takes a free seat or, in a full group, goes to the waiting line; one from
    the waiting line is taken only in its turn. The answer says what happened to each.

    Takes seats: send an `Idempotency-Key`."""
    caller = caller_of(request)

    def accept(application: Application) -> Decided:
        done = enrollment_services.application_accept(actor=caller.user, application=application)
        waiting = done.status == ApplicationStatus.WAITLISTED
        return Decided(
            id=done.pk,
            outcome="waitlisted" if waiting else "accepted",
            status=done.status,
            detail="Мест в группе нет: заявка в листе ожидания."
            if waiting
            else "Заявка принята: место за ребёнком, родителю открыта оферта.",
        )

    def run() -> HttpResponse:
        return json_answer(_decide_each(caller, payload.ids, accept))

    return idempotent(
        request, user=caller.user, key=idempotency_key, payload=payload.model_dump(), run=run
    )


@router.post(
    "/applications/reject",
    response={200: DecisionSummary, WRITE_ERRORS: Problem},
    summary="Отклонить заявки",
    url_name="provider_application_reject_bulk",
)
def application_reject_bulk(request: HttpRequest, payload: RejectIn) -> DecisionSummary:
    """Reject the applications with one reason the parents will read, each in its own
    transaction; a seat one held goes to the first in the waiting line."""
    caller = caller_of(request)
    if not payload.reason.strip():
        raise ApiProblem(
            422,
            "Укажите причину отказа: её увидит родитель.",
            errors=[("reason", "Обязательное поле: заполните его.")],
        )

    def reject(application: Application) -> Decided:
        done = enrollment_services.application_reject(
            actor=caller.user, application=application, reason=payload.reason
        )
        return Decided(
            id=done.pk, outcome="rejected", status=done.status, detail="Заявка отклонена."
        )

    return _decide_each(caller, payload.ids, reject)
