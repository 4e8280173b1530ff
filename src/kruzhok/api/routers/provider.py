"""The provider's cabinet over the API: programs, groups, lessons, the application queue
(accepting and rejecting in bulk), the attendance journal (marking in bulk), contracts,
invoices and their payments.

Every read is the pages' own selector, so a staff member sees exactly what the cabinet shows
them (an administrator the whole organisation, a teacher their own groups where the pages say
so), narrowed by a token to the one organisation it was issued for: a person working for two
providers reaches the other one only with the session or another token. Everything outside
that reach is 404, as on the pages. Every write is the pages' own service, one transaction
per application or mark, and the answer says what happened to each.
"""

import datetime
from typing import Literal

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router, Schema

from kruzhok.accounts.models import Role
from kruzhok.api.answers import (
    KEYED_ERRORS,
    MONTH_PATTERN,
    READ_ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    IdPath,
    LocalTime,
    date_checked,
    json_answer,
    local_time,
    month_parse,
)
from kruzhok.api.auth import Principal, principal
from kruzhok.api.idempotency import idempotent
from kruzhok.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from kruzhok.api.problems import ApiProblem, Problem
from kruzhok.api.schemas import Money, money
from kruzhok.attendance import selectors as attendance_selectors
from kruzhok.attendance import services as attendance_services
from kruzhok.billing import invoice_read
from kruzhok.billing.documents import CONTENT_TYPES
from kruzhok.billing.models import (
    Advance,
    Invoice,
    InvoiceDocumentKind,
    InvoicePayment,
    InvoiceStatus,
)
from kruzhok.billing.selectors import contract_list_for_staff, month_closed_message
from kruzhok.catalog import cabinet
from kruzhok.catalog.models import Group, Lesson, LessonStatus, Program, ProgramState
from kruzhok.catalog.selectors import lesson_list_for_group
from kruzhok.enrollment import selectors as enrollment_selectors
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Application, ApplicationStatus, Contract
from kruzhok.providers.models import ProviderStaff, StaffRole
from kruzhok.providers.selectors import staff_memberships, staff_role

router = Router(tags=["Поставщик"])

ProgramStateSlug = Literal[tuple(ProgramState.values)]  # type: ignore[valid-type]
ApplicationStatusSlug = Literal[tuple(ApplicationStatus.values)]  # type: ignore[valid-type]
InvoiceStatusSlug = Literal[tuple(InvoiceStatus.values)]  # type: ignore[valid-type]
DocumentKindSlug = Literal[tuple(InvoiceDocumentKind.values)]  # type: ignore[valid-type]


def _caller(request: HttpRequest) -> Principal:
    return principal(request, Role.PROVIDER)


def _within_token(caller: Principal, provider_id: int, what: str) -> None:
    """404 for an object of another organisation than the token's (as for a stranger's)."""
    if caller.provider_id is not None and caller.provider_id != provider_id:
        raise Http404(what)


# Programs and groups ---------------------------------------------------------------------------


class CabinetSlot(Schema):
    weekday: int = Field(description="0 — понедельник … 6 — воскресенье")
    start_time: LocalTime
    hours: int


class CabinetGroup(Schema):
    id: int
    program_id: int
    provider_id: int
    name: str
    teacher_id: int | None
    teacher_name: str
    capacity: int
    seats_taken: int
    start_date: datetime.date
    end_date: datetime.date
    enrollment_open: bool
    auto_accept: bool
    schedule: list[CabinetSlot]
    updated_at: datetime.datetime


class CabinetProgram(Schema):
    id: int
    provider_id: int
    provider_name: str
    title: str
    state: ProgramStateSlug  # type: ignore[valid-type]
    state_name: str
    direction: str
    age_min: int
    age_max: int
    price_per_hour: Money
    financing_source: str
    group_count: int
    updated_at: datetime.datetime


class CabinetProgramDetail(CabinetProgram):
    description: str
    address: str
    duration_months: int
    hours_per_week: int
    remarks: str = Field(description="замечания оператора, если программа возвращена")
    groups: list[CabinetGroup] = Field(description="все группы, завершённые тоже")


def _program_out(program: Program, group_count: int) -> CabinetProgram:
    return CabinetProgram(
        id=program.pk,
        provider_id=program.provider_id,
        provider_name=program.provider.short_name,
        title=program.title,
        state=program.state,
        state_name=program.get_state_display(),
        direction=program.direction,
        age_min=program.age_min,
        age_max=program.age_max,
        price_per_hour=money(program.price_per_hour),
        financing_source=program.financing_source,
        group_count=group_count,
        updated_at=program.updated_at,
    )


def _group_out(group: Group, provider_id: int) -> CabinetGroup:
    return CabinetGroup(
        id=group.pk,
        program_id=group.program_id,
        provider_id=provider_id,
        name=group.name,
        teacher_id=group.teacher_id,
        teacher_name=group.teacher.full_name if group.teacher else "",
        capacity=group.capacity,
        seats_taken=group.seats_taken,
        start_date=group.start_date,
        end_date=group.end_date,
        enrollment_open=group.enrollment_open,
        auto_accept=group.auto_accept,
        schedule=[
            CabinetSlot(weekday=s.weekday, start_time=local_time(s.start_time), hours=s.hours)
            for s in group.schedule.all()
        ],
        updated_at=group.updated_at,
    )


def _memberships(caller: Principal) -> list[ProviderStaff]:
    return list(staff_memberships(user=caller.user).filter(caller.provider_filter("provider")))


@router.get(
    "/programs",
    response={200: list[CabinetProgram], READ_ERRORS: Problem},
    summary="Программы организации",
    url_name="provider_program_list",
)
def program_list(request: HttpRequest) -> list[CabinetProgram]:
    """The programs of the caller's organisations (the token's one), archived last, as the
    cabinet's home page lists them."""
    caller = _caller(request)
    result: list[CabinetProgram] = []
    for membership in _memberships(caller):
        for program in cabinet.program_list_for_provider(provider=membership.provider):
            program.provider = membership.provider
            result.append(_program_out(program, program.group_count))  # type: ignore[attr-defined]
    return result


@router.get(
    "/programs/{program_id}",
    response={200: CabinetProgramDetail, READ_ERRORS: Problem},
    summary="Программа организации",
    url_name="provider_program_detail",
)
def program_detail(request: HttpRequest, program_id: IdPath) -> CabinetProgramDetail:
    """A program of the caller's organisation with all its groups and the operator's latest
    remarks; 404 for another organisation's."""
    caller = _caller(request)
    program, _access = cabinet.program_get_for_staff(user=caller.user, pk=program_id)
    _within_token(caller, program.provider_id, "Программа не найдена")
    groups = list(cabinet.group_list_for_program_cabinet(program=program))
    remarks = cabinet.program_last_remarks(program=program)
    return CabinetProgramDetail(
        **_program_out(program, len(groups)).model_dump(),
        description=program.description,
        address=program.address,
        duration_months=program.duration_months,
        hours_per_week=program.hours_per_week,
        remarks=remarks.remarks if remarks else "",
        groups=[_group_out(group, program.provider_id) for group in groups],
    )


@router.get(
    "/groups",
    response={200: list[CabinetGroup], READ_ERRORS: Problem},
    summary="Группы организации",
    url_name="provider_group_list",
)
def group_list(request: HttpRequest) -> list[CabinetGroup]:
    """The unfinished groups of the caller's organisations, soonest first, as the cabinet's
    home page lists them."""
    caller = _caller(request)
    return [
        _group_out(group, membership.provider_id)
        for membership in _memberships(caller)
        for group in cabinet.group_list_for_provider(provider=membership.provider)
    ]


@router.get(
    "/groups/{group_id}",
    response={200: CabinetGroup, READ_ERRORS: Problem},
    summary="Группа",
    url_name="provider_group_detail",
)
def group_detail(request: HttpRequest, group_id: IdPath) -> CabinetGroup:
    """A group of the caller's organisation with its teacher, seats and weekly schedule; 404
    for another organisation's."""
    caller = _caller(request)
    group, access = cabinet.group_get_for_staff(user=caller.user, pk=group_id)
    _within_token(caller, access.provider.pk, "Группа не найдена")
    return _group_out(group, access.provider.pk)


class CabinetLesson(Schema):
    id: int
    group_id: int
    date: datetime.date
    start_time: LocalTime
    hours: int
    cancelled: bool
    updated_at: datetime.datetime


class LessonFilters(Schema):
    date_from: datetime.date | None = Field(None, description="с этого дня включительно")
    date_to: datetime.date | None = Field(None, description="по этот день включительно")


def _lesson_out(lesson: Lesson) -> CabinetLesson:
    return CabinetLesson(
        id=lesson.pk,
        group_id=lesson.group_id,
        date=lesson.date,
        start_time=local_time(lesson.start_time),
        hours=lesson.hours,
        cancelled=lesson.status == LessonStatus.CANCELLED,
        updated_at=lesson.updated_at,
    )


@router.get(
    "/groups/{group_id}/lessons",
    response={200: list[CabinetLesson], READ_ERRORS: Problem},
    summary="Занятия группы",
    url_name="provider_lesson_list",
)
def lesson_list(
    request: HttpRequest, group_id: IdPath, filters: Query[LessonFilters]
) -> list[CabinetLesson]:
    """The group's lessons in date order, cancelled ones included, within the dates given."""
    caller = _caller(request)
    group, access = cabinet.group_get_for_staff(user=caller.user, pk=group_id)
    _within_token(caller, access.provider.pk, "Группа не найдена")
    lessons = lesson_list_for_group(
        group=group,
        date_from=date_checked(filters.date_from, field="date_from"),
        date_to=date_checked(filters.date_to, field="date_to"),
    )
    return [_lesson_out(lesson) for lesson in lessons]


# Applications ----------------------------------------------------------------------------------


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
    caller = _caller(request)
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


def _summary(results: list[Decided]) -> DecisionSummary:
    def count(outcome: str) -> int:
        return sum(1 for r in results if r.outcome == outcome)

    return DecisionSummary(
        results=results,
        accepted=count("accepted"),
        waitlisted=count("waitlisted"),
        rejected=count("rejected"),
        refused=count("refused"),
        not_found=count("not_found"),
    )


IdList = list[IdPath]


class AcceptIn(Schema):
    ids: IdList = Field(min_length=1, max_length=200, description="номера заявок")


class RejectIn(Schema):
    ids: IdList = Field(min_length=1, max_length=200, description="номера заявок")
    reason: str = Field(
        min_length=1, max_length=1000, description="причина отказа: её увидит родитель"
    )


NOT_IN_QUEUE = "Заявка не найдена в вашей очереди."


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
    caller = _caller(request)

    def run() -> HttpResponse:
        ids = sorted(set(payload.ids))
        results: dict[int, Decided] = {}
        for application in _queue(caller).filter(pk__in=ids):
            try:
                done = enrollment_services.application_accept(
                    actor=caller.user, application=application
                )
            except enrollment_services.EnrollmentError as error:
                results[application.pk] = Decided(
                    id=application.pk,
                    outcome="refused",
                    status=application.status,
                    detail=error.message,
                )
                continue
            waiting = done.status == ApplicationStatus.WAITLISTED
            results[done.pk] = Decided(
                id=done.pk,
                outcome="waitlisted" if waiting else "accepted",
                status=done.status,
                detail="Мест в группе нет: заявка в листе ожидания."
                if waiting
                else "Заявка принята: место за ребёнком, родителю открыта оферта.",
            )
        return json_answer(_summary(_in_order(ids, results)))

    return idempotent(
        request, user=caller.user, key=idempotency_key, payload=payload.model_dump(), run=run
    )


def _in_order(ids: list[int], results: dict[int, Decided]) -> list[Decided]:
    return [
        results.get(pk) or Decided(id=pk, outcome="not_found", status=None, detail=NOT_IN_QUEUE)
        for pk in ids
    ]


@router.post(
    "/applications/reject",
    response={200: DecisionSummary, WRITE_ERRORS: Problem},
    summary="Отклонить заявки",
    url_name="provider_application_reject_bulk",
)
def application_reject_bulk(request: HttpRequest, payload: RejectIn) -> DecisionSummary:
    """Reject the applications with one reason the parents will read, each in its own
    transaction; a seat one held goes to the first in the waiting line."""
    caller = _caller(request)
    if not payload.reason.strip():
        raise ApiProblem(
            422,
            "Укажите причину отказа: её увидит родитель.",
            errors=[("reason", "Обязательное поле: заполните его.")],
        )
    ids = sorted(set(payload.ids))
    results: dict[int, Decided] = {}
    for application in _queue(caller).filter(pk__in=ids):
        try:
            done = enrollment_services.application_reject(
                actor=caller.user, application=application, reason=payload.reason
            )
        except enrollment_services.EnrollmentError as error:
            results[application.pk] = Decided(
                id=application.pk,
                outcome="refused",
                status=application.status,
                detail=error.message,
            )
            continue
        results[done.pk] = Decided(
            id=done.pk, outcome="rejected", status=done.status, detail="Заявка отклонена."
        )
    return _summary(_in_order(ids, results))


# Attendance ------------------------------------------------------------------------------------


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
    caller = _caller(request)
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


class Marked(Schema):
    lesson_id: int
    contract_id: int
    outcome: Literal["saved", "refused", "not_found"] = Field(
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
    def answer(outcome: str, detail: str, *, present: bool | None, field: str | None = None):  # type: ignore[no-untyped-def]
        return Marked(
            lesson_id=mark.lesson_id,
            contract_id=mark.contract_id,
            outcome=outcome,  # type: ignore[arg-type]
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
    caller = _caller(request)
    group = _journal_group(caller, group_id)

    def run() -> HttpResponse:
        results = [_mark_one(caller, group, mark) for mark in payload.marks]
        return json_answer(
            MarksOut(
                results=results,
                saved=sum(1 for r in results if r.outcome == "saved"),
                refused=sum(1 for r in results if r.outcome == "refused"),
                not_found=sum(1 for r in results if r.outcome == "not_found"),
            )
        )

    return idempotent(
        request, user=caller.user, key=idempotency_key, payload=payload.model_dump(), run=run
    )


# Contracts -------------------------------------------------------------------------------------


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
    caller = _caller(request)
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


# Invoices and payments -------------------------------------------------------------------------


class PaymentOut(Schema):
    id: int
    invoice_id: int
    amount: Money
    order_number: str
    order_date: datetime.date
    recorded_at: datetime.datetime


class DocumentOut(Schema):
    kind: DocumentKindSlug  # type: ignore[valid-type]
    name: str
    filename: str
    sha256: str
    url: str = Field(description="скачать документ через API")


class InvoiceOut(Schema):
    id: int
    provider_id: int
    month: datetime.date = Field(description="первое число закрытого месяца")
    series: str
    number: int
    act_number: int
    issued_on: datetime.date
    status: InvoiceStatusSlug  # type: ignore[valid-type]
    status_name: str
    lessons: int
    certificate_amount: Money = Field(description="к оплате за счёт сертификатов")
    parent_amount: Money = Field(description="доплата родителей (справочно)")
    advance_netted: Money
    paid_amount: Money
    due: Money = Field(description="осталось оплатить")
    documents: list[DocumentOut]
    payments: list[PaymentOut]


class InvoiceLineOut(Schema):
    contract_id: int
    contract_number: str
    child_name: str
    program_title: str
    group_name: str
    corrects_month: datetime.date | None = Field(description="корректировка за этот месяц")
    lessons_planned: int
    lessons_attended: int
    certificate_amount: Money
    parent_amount: Money


class InvoiceDetail(InvoiceOut):
    lines: list[InvoiceLineOut]


def _payment_out(payment: InvoicePayment) -> PaymentOut:
    return PaymentOut(
        id=payment.pk,
        invoice_id=payment.invoice_id,
        amount=money(payment.amount),
        order_number=payment.order_number,
        order_date=payment.order_date,
        recorded_at=payment.recorded_at,
    )


def _invoice_out(invoice: Invoice) -> InvoiceOut:
    return InvoiceOut(
        id=invoice.pk,
        provider_id=invoice.provider_id,
        month=invoice.closure.month,
        series=invoice.series,
        number=invoice.number,
        act_number=invoice.act_number,
        issued_on=invoice.issued_on,
        status=invoice.status,
        status_name=invoice.get_status_display(),
        lessons=invoice.lessons,
        certificate_amount=money(invoice.certificate_amount),
        parent_amount=money(invoice.parent_amount),
        advance_netted=money(invoice.advance_netted),
        paid_amount=money(invoice.paid_amount),
        due=money(invoice.due),
        documents=[
            DocumentOut(
                kind=document.kind,
                name=document.get_kind_display(),
                filename=document.filename,
                sha256=document.sha256,
                url=reverse(
                    "api:provider_invoice_document",
                    kwargs={"invoice_id": invoice.pk, "kind": document.kind},
                ),
            )
            for document in invoice.documents.all()
        ],
        payments=[_payment_out(p) for p in invoice.payments.all()],
    )


def _admin_required(caller: Principal) -> None:
    """Money is the administrators' (the invoices page refuses teachers with 403)."""
    if caller.provider_id is not None:
        admin = staff_role(user=caller.user, provider_id=caller.provider_id) == StaffRole.ADMIN
    else:
        admin = caller.user.provider_roles.filter(role=StaffRole.ADMIN).exists()
    if not admin:
        raise ApiProblem(403, "Счета организации видят её администраторы.")


def _invoices(caller: Principal) -> QuerySet[Invoice]:
    _admin_required(caller)
    return invoice_read.invoice_list_for_provider_admin(user=caller.user).filter(
        caller.provider_filter("provider")
    )


def _invoice(caller: Principal, invoice_id: int) -> Invoice:
    invoice = invoice_read.invoice_get_for_provider_admin(user=caller.user, pk=invoice_id)
    _within_token(caller, invoice.provider_id, "Счёт не найден")
    listed = _invoices(caller).filter(pk=invoice.pk).first()
    if listed is None:
        raise Http404("Счёт не найден")
    return listed


@router.get(
    "/invoices",
    response={200: list[InvoiceOut], READ_ERRORS: Problem},
    summary="Счета",
    url_name="provider_invoice_list",
)
def invoice_list(request: HttpRequest) -> list[InvoiceOut]:
    """The invoices of the organisations the caller administers, newest month first, with
    their documents and payments; a teacher gets 403, as on the page."""
    caller = _caller(request)
    return [_invoice_out(invoice) for invoice in _invoices(caller)]


@router.get(
    "/invoices/{invoice_id}",
    response={200: InvoiceDetail, READ_ERRORS: Problem},
    summary="Счёт со строками",
    url_name="provider_invoice_detail",
)
def invoice_detail(request: HttpRequest, invoice_id: IdPath) -> InvoiceDetail:
    """The invoice with its lines (a contract's month each; a correction line bills a change
    to an earlier, closed month); 403 for a teacher, 404 for another organisation's."""
    caller = _caller(request)
    invoice = _invoice(caller, invoice_id)
    return InvoiceDetail(
        **_invoice_out(invoice).model_dump(),
        lines=[
            InvoiceLineOut(
                contract_id=line.contract_id,
                contract_number=line.contract_number,
                child_name=line.child_initials,
                program_title=line.program_title,
                group_name=line.group_name,
                corrects_month=line.corrects_month,
                lessons_planned=line.lessons_planned,
                lessons_attended=line.lessons_attended,
                certificate_amount=money(line.certificate_amount),
                parent_amount=money(line.parent_amount),
            )
            for line in invoice.lines.order_by(
                "program_title", "group_name", "child_initials", "pk"
            )
        ],
    )


_DOCUMENT_CONTENT = {
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
        "schema": {"type": "string", "format": "binary"}
    },
}


@router.get(
    "/invoices/{invoice_id}/documents/{kind}",
    response={READ_ERRORS: Problem},
    url_name="provider_invoice_document",
    summary="Документ счёта (PDF, XLSX)",
    openapi_extra={
        "responses": {
            200: {"description": "документ, как он был выпущен", "content": _DOCUMENT_CONTENT}
        }
    },
)
def invoice_document(
    request: HttpRequest,
    invoice_id: IdPath,
    kind: DocumentKindSlug,  # type: ignore[valid-type]
) -> HttpResponse:
    """The stored bytes of the invoice's document, as the page's download serves them."""
    caller = _caller(request)
    invoice = _invoice(caller, invoice_id)
    document = invoice_read.invoice_document_get(invoice=invoice, kind=kind)
    response = HttpResponse(bytes(document.content), content_type=CONTENT_TYPES[document.kind])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=document.filename
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


class PaymentFilters(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


class PaymentPage(Schema):
    items: list[PaymentOut]
    next_cursor: str | None


@router.get(
    "/payments",
    response={200: PaymentPage, READ_ERRORS: Problem},
    summary="Оплаты",
    url_name="provider_payment_list",
)
def payment_list(request: HttpRequest, filters: Query[PaymentFilters]) -> PaymentPage:
    """The payment orders that paid the invoices of the organisations the caller administers,
    newest recorded first."""
    caller = _caller(request)
    payments = InvoicePayment.objects.filter(invoice__in=_invoices(caller).values("pk"))
    rows, next_cursor = keyset_page(
        payments, order=("-pk",), kinds=(int,), limit=filters.limit, cursor=filters.cursor
    )
    return PaymentPage(items=[_payment_out(p) for p in rows], next_cursor=next_cursor)


class AdvanceOut(Schema):
    id: int
    provider_id: int
    payer_municipality_id: int
    month: datetime.date
    amount: Money
    netted: Money = Field(description="зачтено в счета")
    outstanding: Money = Field(description="ещё не зачтено: долг организации")
    order_number: str
    order_date: datetime.date


@router.get(
    "/advances",
    response={200: list[AdvanceOut], READ_ERRORS: Problem},
    summary="Авансы",
    url_name="provider_advance_list",
)
def advance_list(request: HttpRequest) -> list[AdvanceOut]:
    """Advances paid to the organisations the caller administers, newest month first: what
    each invoice netted off and what is still owed (the invoices page's advances)."""
    caller = _caller(request)
    _admin_required(caller)
    advances: QuerySet[Advance] = invoice_read.advance_list_for_provider_admin(
        user=caller.user
    ).filter(caller.provider_filter("provider"))
    return [
        AdvanceOut(
            id=a.pk,
            provider_id=a.provider_id,
            payer_municipality_id=a.municipality_id,
            month=a.month,
            amount=money(a.amount),
            netted=money(a.netted),
            outstanding=money(a.outstanding),
            order_number=a.order_number,
            order_date=a.order_date,
        )
        for a in advances
    ]
