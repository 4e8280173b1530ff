"""The month close: the months, starting a close and following it."""

import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from kruzhok.api.answers import (
    KEYED_ERRORS,
    MONTH_PATTERN,
    READ_ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    IdPath,
    json_answer,
    month_parse,
)
from kruzhok.api.idempotency import idempotent
from kruzhok.api.problems import ApiProblem, Problem
from kruzhok.api.routers.operator.access import (
    MunicipalityQuery,
    caller_of,
    municipalities,
    one_municipality,
)
from kruzhok.api.schemas import Money, money
from kruzhok.billing import selectors as billing_selectors
from kruzhok.billing.models import MonthClosure, MonthClosureStatus
from kruzhok.billing.month_close import MonthCloseError, month_close_resume, month_close_start
from kruzhok.common.models import Municipality
from kruzhok.common.months import month_name

router = Router()

ClosureStatusSlug = Literal[tuple(MonthClosureStatus.values)]  # type: ignore[valid-type]


class MonthOut(Schema):
    month: datetime.date
    month_name: str
    closure_id: int | None
    status: ClosureStatusSlug | None  # type: ignore[valid-type]
    can_close: bool = Field(description="месяц прошёл и не закрыт")
    invoices: int
    certificate_amount: Money
    parent_amount: Money


class ClosureOut(Schema):
    id: int
    municipality_id: int
    month: datetime.date
    month_name: str
    status: ClosureStatusSlug  # type: ignore[valid-type]
    status_name: str
    providers_total: int
    providers_done: int
    percent: int = Field(description="доля выставленных счетов, %")
    started_at: datetime.datetime
    started_by_id: int | None
    finished_at: datetime.datetime | None
    invoices: int
    documents_missing: int = Field(description="счетов, чьи документы ещё не готовы")


def _closure_out(closure: MonthClosure) -> ClosureOut:
    invoices = list(billing_selectors.invoice_list_for_closure(closure=closure))
    total = closure.providers_total
    done = closure.providers_done
    finished = closure.status == MonthClosureStatus.CLOSED
    return ClosureOut(
        id=closure.pk,
        municipality_id=closure.municipality_id,
        month=closure.month,
        month_name=month_name(closure.month),
        status=closure.status,
        status_name=closure.get_status_display(),
        providers_total=total,
        providers_done=done,
        percent=100 if finished else (100 * done // total if total else 0),
        started_at=closure.closed_at,
        started_by_id=closure.closed_by_id,
        finished_at=closure.finished_at,
        invoices=len(invoices),
        documents_missing=sum(1 for invoice in invoices if not invoice.documents.all()),
    )


@router.get(
    "/month-closes",
    response={200: list[MonthOut], READ_ERRORS: Problem},
    summary="Месяцы и их закрытие",
    url_name="operator_month_list",
)
def month_list(request: HttpRequest, query: Query[MunicipalityQuery]) -> list[MonthOut]:
    """The last twelve months of the municipality, newest first, with their closes and the
    invoices issued (the month close page's list). A regional administrator names the
    municipality, or sees the first by name, as on the page."""
    caller = caller_of(request)
    ids = municipalities(caller, query.municipality)
    municipality = Municipality.objects.get(pk=ids[0])
    return [
        MonthOut(
            month=row.month,
            month_name=row.name,
            closure_id=row.closure.pk if row.closure else None,
            status=row.closure.status if row.closure else None,
            can_close=row.can_close,
            invoices=row.invoices,
            certificate_amount=money(row.certificate_amount),
            parent_amount=money(row.parent_amount),
        )
        for row in billing_selectors.month_rows(
            municipality_id=municipality.pk, today=timezone.localdate()
        )
    ]


class MonthCloseIn(Schema):
    month: str = Field(pattern=MONTH_PATTERN, description="какой месяц закрыть, ГГГГ-ММ")
    municipality: int | None = Field(
        None, ge=1, le=2**31 - 1, description="обязателен для регионального администратора"
    )


@router.post(
    "/month-closes",
    response={202: ClosureOut, KEYED_ERRORS: Problem},
    summary="Закрыть месяц",
    url_name="operator_month_close",
)
def month_close(
    request: HttpRequest,
    payload: MonthCloseIn,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Start closing a month, as the month close page's button does: from this moment its
    attendance is frozen, and the worker bills provider by provider; follow the progress at
    `GET /operator/month-closes/{id}`. A close already under way is answered as it is; a
    month not over or already closed is 409.

    Moves money: send an `Idempotency-Key`."""
    caller = caller_of(request)
    municipality = one_municipality(caller, payload.municipality)
    month = month_parse(payload.month)

    def run() -> HttpResponse:
        try:
            closure = month_close_start(actor=caller.user, municipality=municipality, month=month)
        except MonthCloseError as refusal:
            raise ApiProblem(409, str(refusal), errors=[("month", str(refusal))]) from None
        return json_answer(_closure_out(closure), status=202)

    return idempotent(
        request, user=caller.user, key=idempotency_key, payload=payload.model_dump(), run=run
    )


@router.get(
    "/month-closes/{closure_id}",
    response={200: ClosureOut, READ_ERRORS: Problem},
    summary="Ход закрытия месяца",
    url_name="operator_month_close_progress",
)
def month_close_progress(request: HttpRequest, closure_id: IdPath) -> ClosureOut:
    """How far the close has gone: providers billed of all, invoices and their documents."""
    caller = caller_of(request)
    return _closure_out(
        billing_selectors.month_closure_for_operator(user=caller.user, pk=closure_id)
    )


@router.post(
    "/month-closes/{closure_id}/resume",
    response={202: ClosureOut, WRITE_ERRORS: Problem},
    summary="Продолжить закрытие месяца",
    url_name="operator_month_close_continue",
)
def month_close_continue(request: HttpRequest, closure_id: IdPath) -> HttpResponse:
    """Hand the close to the worker again, as the page's «продолжить» does: a close whose
    worker stopped goes on from the next provider not billed, a closed month's invoices get
    their missing documents. Safe to send again: a run finds done what is done."""
    caller = caller_of(request)
    closure = billing_selectors.month_closure_for_operator(user=caller.user, pk=closure_id)
    try:
        month_close_resume(actor=caller.user, closure=closure)
    except MonthCloseError as refusal:
        raise ApiProblem(409, str(refusal)) from None
    return json_answer(_closure_out(closure), status=202)
