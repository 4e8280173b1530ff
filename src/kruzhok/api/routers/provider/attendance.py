"""The attendance journal: the month's grid, and marks in bulk."""

import datetime
from typing import Literal, get_args

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from kruzhok.api.answers import (
    KEYED_ERRORS,
    MONTH_PATTERN,
    READ_ERRORS,
    IdempotencyKey,
    IdPath,
    LocalTime,
    json_answer,
    local_time,
    month_parse,
    outcome_counts,
)
from kruzhok.api.auth import Principal
from kruzhok.api.idempotency import idempotent
from kruzhok.api.problems import Problem
from kruzhok.api.routers.provider.access import caller_of
from kruzhok.attendance import selectors as attendance_selectors
from kruzhok.attendance import services as attendance_services
from kruzhok.billing.selectors import month_closed_message
from kruzhok.catalog.models import Group, LessonStatus
from kruzhok.enrollment.models import Contract

router = Router()


class JournalLesson(Schema):
    id: int
    date: datetime.date
    start_time: LocalTime
    hours: int
    cancelled: bool
    moved_from: datetime.date | None


class JournalCell(Schema):
    lesson_id: int
    present: bool | None = Field(description="null — ещё не отмечено")
    markable: bool
    why_not: str = Field(description="почему отметить нельзя, если нельзя")


class JournalRow(Schema):
    contract_id: int
    contract_number: str
    child_name: str
    cells: list[JournalCell]


class JournalOut(Schema):
    group_id: int
    month: datetime.date
    closure_status: Literal["running", "closed"] | None = Field(
        description="закрытие месяца: идёт (отметки заморожены) или завершено (исправление "
        "войдёт корректировкой в следующий открытый месяц)"
    )
    closed_message: str
    late_mark_days: int = Field(
        description="отметка, поставленная или изменённая позже стольких дней после "
        "занятия, требует причины (reason)"
    )
    lessons: list[JournalLesson]
    rows: list[JournalRow]


def _journal_group(caller: Principal, group_id: int) -> Group:
    group = (
        attendance_selectors.group_list_for_journal(user=caller.user)
        .filter(caller.provider_filter("program__provider"))
        .filter(pk=group_id)
        .first()
    )
    if group is None:
        raise Http404("Группа не найдена")
    return group


class MonthQuery(Schema):
    month: str = Field(pattern=MONTH_PATTERN, description="месяц журнала, ГГГГ-ММ")


@router.get(
    "/groups/{group_id}/attendance",
    response={200: JournalOut, READ_ERRORS: Problem},
    summary="Журнал группы за месяц",
    url_name="provider_journal",
)
def journal(request: HttpRequest, group_id: IdPath, query: Query[MonthQuery]) -> JournalOut:
    """The children × lessons grid of the group for the month, with the marks made so far and,
    for each cell, whether it can be marked now (the page's own journal)."""
    caller = caller_of(request)
    group = _journal_group(caller, group_id)
    data = attendance_selectors.journal_for_month(group=group, month=month_parse(query.month))
    return JournalOut(
        group_id=group.pk,
        month=data.month,
        closure_status=data.closure.status if data.closure else None,  # type: ignore[arg-type]
        closed_message=month_closed_message(data.closure) if data.closure else "",
        late_mark_days=settings.KRUZHOK_LATE_MARK_DAYS,
        lessons=[
            JournalLesson(
                id=column.lesson.pk,
                date=column.lesson.date,
                start_time=local_time(column.lesson.start_time),
                hours=column.lesson.hours,
                cancelled=column.lesson.status == LessonStatus.CANCELLED,
                moved_from=column.moved_from,
            )
            for column in data.columns
        ],
        rows=[
            JournalRow(
                contract_id=row.contract.pk,
                contract_number=row.contract.number,
                child_name=row.contract.application.child.initials_name,
                cells=[
                    JournalCell(
                        lesson_id=cell.lesson.pk,
                        present=cell.present,
                        markable=cell.markable,
                        why_not=cell.reason,
                    )
                    for cell in row.cells
                ],
            )
            for row in data.rows
        ],
    )


class MarkIn(Schema):
    lesson_id: IdPath
    contract_id: IdPath
    present: bool
    reason: str = Field(
        "",
        max_length=500,
        description="причина — обязательна, если отметка ставится или меняется позже "
        "late_mark_days дней после занятия; её увидит администратор организации",
    )


class MarksIn(Schema):
    marks: list[MarkIn] = Field(
        min_length=1, max_length=500, description="не больше 500 отметок за запрос"
    )


MarkOutcome = Literal["saved", "refused", "not_found"]


class Marked(Schema):
    lesson_id: int
    contract_id: int
    outcome: MarkOutcome = Field(
        description="saved — отметка сохранена (и занятие списано с сертификата или списание "
        "отменено); refused — не сохранена (см. detail и field); not_found — такого занятия "
        "или договора в этой группе нет"
    )
    present: bool | None
    field: str | None = Field(description="reason — нужна причина поздней отметки")
    detail: str


class MarksOut(Schema):
    results: list[Marked]
    saved: int
    refused: int
    not_found: int


def _mark_one(caller: Principal, group: Group, mark: MarkIn) -> Marked:
    def answer(
        outcome: MarkOutcome, detail: str, *, present: bool | None, field: str | None = None
    ) -> Marked:
        return Marked(
            lesson_id=mark.lesson_id,
            contract_id=mark.contract_id,
            outcome=outcome,
            present=present,
            field=field,
            detail=detail,
        )

    try:
        lesson = attendance_selectors.lesson_get_for_journal(user=caller.user, pk=mark.lesson_id)
    except Http404:
        lesson = None
    if lesson is None or lesson.group_id != group.pk:
        return answer("not_found", "Занятие этой группы не найдено.", present=None)
    contract = (
        Contract.objects.select_related("application__child")
        .filter(pk=mark.contract_id, application__group=lesson.group)
        .first()
    )
    if contract is None:
        return answer("not_found", "Договор в этой группе не найден.", present=None)
    try:
        saved = attendance_services.attendance_mark(
            actor=caller.user,
            lesson=lesson,
            contract=contract,
            present=mark.present,
            reason=mark.reason,
        )
    except attendance_services.ReasonRequired as refusal:
        return answer("refused", str(refusal), present=None, field="reason")
    except attendance_services.AttendanceError as refusal:
        return answer("refused", str(refusal), present=None)
    return answer(
        "saved",
        f"{contract.application.child.initials_name}: "
        f"{'был(а)' if saved.present else 'не был(а)'} {lesson.date:%d.%m.%Y}.",
        present=saved.present,
    )


@router.post(
    "/groups/{group_id}/attendance",
    response={200: MarksOut, KEYED_ERRORS: Problem},
    summary="Отметить посещаемость",
    url_name="provider_attendance_mark_bulk",
)
def attendance_mark_bulk(
    request: HttpRequest,
    group_id: IdPath,
    payload: MarksIn,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Mark attendance in the group's journal, each mark in its own transaction through the
    journal page's service: an attended lesson is charged to the certificate once, un-marking
    reverses the charge; a mark made late needs a `reason`. The answer says what happened to
    each mark, in the order sent.

    Moves money: send an `Idempotency-Key`."""
    caller = caller_of(request)
    group = _journal_group(caller, group_id)

    def run() -> HttpResponse:
        results = [_mark_one(caller, group, mark) for mark in payload.marks]
        return json_answer(
            MarksOut(results=results, **outcome_counts(results, get_args(MarkOutcome)))
        )

    return idempotent(
        request, user=caller.user, key=idempotency_key, payload=payload.model_dump(), run=run
    )
