"""The municipal operator's work over the API: moderation of providers and programs, the
financing program, the month close and the reports' figures.

A municipal operator reaches their own municipality, a regional administrator every one (as
on the pages: `billing.selectors.operator_municipality_ids`, `providers.selectors`); another
municipality's objects are 404. Every write is the pages' own service with its checks and
its record of who did what.
"""

import datetime
from collections.abc import Callable
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from kruzhok.accounts.models import Role
from kruzhok.api.answers import (
    KEYED_ERRORS,
    MONTH_PATTERN,
    READ_ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    IdPath,
    date_checked,
    json_answer,
    month_parse,
)
from kruzhok.api.auth import Principal, principal
from kruzhok.api.idempotency import idempotent
from kruzhok.api.problems import ApiProblem, Problem
from kruzhok.api.schemas import Money, money
from kruzhok.billing import selectors as billing_selectors
from kruzhok.billing.models import MonthClosure, MonthClosureStatus
from kruzhok.billing.month_close import MonthCloseError, month_close_resume, month_close_start
from kruzhok.catalog import cabinet, moderation
from kruzhok.catalog.models import Program, ProgramState
from kruzhok.certificates import selectors as certificate_selectors
from kruzhok.certificates.financing import (
    FinancingRules,
    financing_program_change,
    financing_rules,
    financing_rules_with,
)
from kruzhok.certificates.models import BillingRegime, FinancingProgram, FinancingProgramChange
from kruzhok.common.models import Municipality
from kruzhok.common.months import month_name
from kruzhok.providers import moderation as provider_moderation
from kruzhok.providers import selectors as provider_selectors
from kruzhok.providers.models import Provider, ProviderStatus
from kruzhok.reports import selectors as report_selectors
from kruzhok.reports.selectors import CoverageRow

router = Router(tags=["Оператор"])

ProgramStateSlug = Literal[tuple(ProgramState.values)]  # type: ignore[valid-type]
ProviderStatusSlug = Literal[tuple(ProviderStatus.values)]  # type: ignore[valid-type]
RegimeSlug = Literal[tuple(BillingRegime.values)]  # type: ignore[valid-type]
ClosureStatusSlug = Literal[tuple(MonthClosureStatus.values)]  # type: ignore[valid-type]


def _caller(request: HttpRequest) -> Principal:
    return principal(request, Role.OPERATOR, Role.REGIONAL_ADMIN)


def _municipalities(caller: Principal, wanted: int | None) -> list[int]:
    """The municipalities asked for: the one named (404 if the caller may not see it), else
    every one the caller oversees."""
    allowed = billing_selectors.operator_municipality_ids(user=caller.user)
    if wanted is not None:
        if wanted not in allowed:
            raise Http404("Муниципалитет не найден.")
        return [wanted]
    if not allowed:
        raise Http404("Муниципалитет не найден.")
    return allowed


def _one_municipality(caller: Principal, wanted: int | None) -> Municipality:
    ids = _municipalities(caller, wanted)
    if len(ids) > 1:
        raise ApiProblem(
            422,
            "Укажите муниципалитет (municipality): региональный администратор работает со всеми.",
            errors=[("municipality", "Обязательное поле: заполните его.")],
        )
    return Municipality.objects.get(pk=ids[0])


class MunicipalityQuery(Schema):
    municipality: int | None = Field(
        None, ge=1, le=2**31 - 1, description="муниципалитет; без него — все ваши"
    )


# Moderation ------------------------------------------------------------------------------------


class ProviderWaiting(Schema):
    id: int
    short_name: str
    full_name: str
    kind: str
    inn: str
    ogrn: str
    municipality_id: int
    status: ProviderStatusSlug  # type: ignore[valid-type]
    status_name: str
    created_at: datetime.datetime


class ProgramWaiting(Schema):
    id: int
    title: str
    provider_id: int
    provider_name: str
    municipality_id: int
    state: ProgramStateSlug  # type: ignore[valid-type]
    state_name: str
    direction: str
    age_min: int
    age_max: int
    price_per_hour: Money
    financing_source: str
    description: str
    updated_at: datetime.datetime


class ModerationQueueOut(Schema):
    providers: list[ProviderWaiting] = Field(description="ждут допуска, давние первыми")
    programs: list[ProgramWaiting] = Field(description="ждут проверки, давние первыми")


def _provider_out(provider: Provider) -> ProviderWaiting:
    return ProviderWaiting(
        id=provider.pk,
        short_name=provider.short_name,
        full_name=provider.full_name,
        kind=provider.kind,
        inn=provider.inn,
        ogrn=provider.ogrn,
        municipality_id=provider.municipality_id,
        status=provider.status,
        status_name=provider.get_status_display(),
        created_at=provider.created_at,
    )


def _program_out(program: Program) -> ProgramWaiting:
    return ProgramWaiting(
        id=program.pk,
        title=program.title,
        provider_id=program.provider_id,
        provider_name=program.provider.short_name,
        municipality_id=program.provider.municipality_id,
        state=program.state,
        state_name=program.get_state_display(),
        direction=program.direction,
        age_min=program.age_min,
        age_max=program.age_max,
        price_per_hour=money(program.price_per_hour),
        financing_source=program.financing_source,
        description=program.description,
        updated_at=program.updated_at,
    )


@router.get(
    "/moderation",
    response={200: ModerationQueueOut, READ_ERRORS: Problem},
    summary="Ждут решения",
    url_name="operator_moderation_queue",
)
def moderation_queue(request: HttpRequest) -> ModerationQueueOut:
    """Providers asking to join and programs sent for checking in the caller's
    municipalities, oldest first (the moderation page's queue)."""
    caller = _caller(request)
    queue = cabinet.moderation_queue(user=caller.user)
    return ModerationQueueOut(
        providers=[_provider_out(p) for p in queue.providers],
        programs=[_program_out(p) for p in queue.programs],
    )


class DecisionOut(Schema):
    from_state: str
    to_state: str
    actor_id: int | None
    remarks: str
    at: datetime.datetime


class GroupBrief(Schema):
    id: int
    name: str
    capacity: int
    start_date: datetime.date
    end_date: datetime.date


class ProgramForModeration(ProgramWaiting):
    address: str
    duration_months: int
    hours_per_week: int
    groups: list[GroupBrief]
    history: list[DecisionOut] = Field(description="решения по программе, новые первыми")


class ProviderForModeration(ProviderWaiting):
    address: str
    license_number: str
    programs: list[ProgramWaiting]
    history: list[DecisionOut] = Field(description="решения по организации, новые первыми")


@router.get(
    "/moderation/programs/{program_id}",
    response={200: ProgramForModeration, READ_ERRORS: Problem},
    url_name="operator_program_detail",
    summary="Программа на проверке",
)
def program_detail(request: HttpRequest, program_id: IdPath) -> ProgramForModeration:
    """A program of a provider in the caller's municipalities, whatever its state, with its
    groups and the decisions made on it (the moderation page's program)."""
    caller = _caller(request)
    program = cabinet.program_get_for_operator(user=caller.user, pk=program_id)
    return ProgramForModeration(
        **_program_out(program).model_dump(),
        address=program.address,
        duration_months=program.duration_months,
        hours_per_week=program.hours_per_week,
        groups=[
            GroupBrief(
                id=g.pk,
                name=g.name,
                capacity=g.capacity,
                start_date=g.start_date,
                end_date=g.end_date,
            )
            for g in cabinet.group_list_for_program_cabinet(program=program)
        ],
        history=[
            DecisionOut(
                from_state=e.from_state,
                to_state=e.to_state,
                actor_id=e.actor_id,
                remarks=e.remarks,
                at=e.at,
            )
            for e in cabinet.program_history(program=program).order_by("-at", "-pk")
        ],
    )


@router.get(
    "/moderation/providers/{provider_id}",
    response={200: ProviderForModeration, READ_ERRORS: Problem},
    url_name="operator_provider_detail",
    summary="Организация на проверке",
)
def provider_detail(request: HttpRequest, provider_id: IdPath) -> ProviderForModeration:
    """A provider of the caller's municipalities, whatever its status, with its programs and
    the decisions made on it (the moderation page's provider)."""
    caller = _caller(request)
    provider = provider_selectors.provider_get_for_operator(user=caller.user, pk=provider_id)
    programs = []
    for program in cabinet.program_list_for_provider(provider=provider):
        program.provider = provider
        programs.append(_program_out(program))
    return ProviderForModeration(
        **_provider_out(provider).model_dump(),
        address=provider.address,
        license_number=provider.license_number,
        programs=programs,
        history=[
            DecisionOut(
                from_state=e.from_status,
                to_state=e.to_status,
                actor_id=e.actor_id,
                remarks=e.remarks,
                at=e.at,
            )
            for e in provider_selectors.provider_history(provider=provider).order_by("-at", "-pk")
        ],
    )


def _decided(decide: Callable[[], object]) -> None:
    """A decision through a service that refuses with ValidationError: a refusal of the
    decision itself (decided already, by a colleague say) is 409; an error in what was sent
    is 422 with its field."""
    try:
        decide()
    except ValidationError as refusal:
        if hasattr(refusal, "error_dict"):
            raise
        raise ApiProblem(409, " ".join(refusal.messages)) from None


class RemarksIn(Schema):
    remarks: str = Field(
        min_length=1, max_length=4000, description="что исправить: прочитает организация"
    )


class ReasonIn(Schema):
    reason: str = Field(
        min_length=1, max_length=4000, description="причина отказа: прочитает организация"
    )


@router.post(
    "/moderation/programs/{program_id}/approve",
    response={200: ProgramWaiting, WRITE_ERRORS: Problem},
    summary="Опубликовать программу",
    url_name="operator_program_approve",
)
def program_approve(request: HttpRequest, program_id: IdPath) -> ProgramWaiting:
    """Publish a program on moderation; its provider's administrators are told."""
    caller = _caller(request)
    program = cabinet.program_get_for_operator(user=caller.user, pk=program_id)
    _decided(lambda: moderation.program_approve(operator=caller.user, program=program))
    return _program_out(cabinet.program_get_for_operator(user=caller.user, pk=program_id))


@router.post(
    "/moderation/programs/{program_id}/return",
    response={200: ProgramWaiting, WRITE_ERRORS: Problem},
    summary="Вернуть программу на доработку",
    url_name="operator_program_return",
)
def program_return(request: HttpRequest, program_id: IdPath, payload: RemarksIn) -> ProgramWaiting:
    """Return a program on moderation to its provider with remarks on what to change."""
    caller = _caller(request)
    program = cabinet.program_get_for_operator(user=caller.user, pk=program_id)
    _decided(
        lambda: moderation.program_return(
            operator=caller.user, program=program, remarks=payload.remarks
        )
    )
    return _program_out(cabinet.program_get_for_operator(user=caller.user, pk=program_id))


@router.post(
    "/moderation/providers/{provider_id}/approve",
    response={200: ProviderWaiting, WRITE_ERRORS: Problem},
    summary="Допустить организацию",
    url_name="operator_provider_approve",
)
def provider_approve(request: HttpRequest, provider_id: IdPath) -> ProviderWaiting:
    """Admit a provider on moderation to the portal; its administrators are told."""
    caller = _caller(request)
    provider = provider_selectors.provider_get_for_operator(user=caller.user, pk=provider_id)
    _decided(lambda: provider_moderation.provider_approve(operator=caller.user, provider=provider))
    return _provider_out(
        provider_selectors.provider_get_for_operator(user=caller.user, pk=provider_id)
    )


@router.post(
    "/moderation/providers/{provider_id}/reject",
    response={200: ProviderWaiting, WRITE_ERRORS: Problem},
    summary="Отклонить заявку организации",
    url_name="operator_provider_reject",
)
def provider_reject(
    request: HttpRequest, provider_id: IdPath, payload: ReasonIn
) -> ProviderWaiting:
    """Refuse a provider on moderation with a reason its administrators read."""
    caller = _caller(request)
    provider = provider_selectors.provider_get_for_operator(user=caller.user, pk=provider_id)
    _decided(
        lambda: provider_moderation.provider_reject(
            operator=caller.user, provider=provider, reason=payload.reason
        )
    )
    return _provider_out(
        provider_selectors.provider_get_for_operator(user=caller.user, pk=provider_id)
    )


# The financing program -------------------------------------------------------------------------


class BandOut(Schema):
    age_min: int = Field(ge=5, le=18)
    age_max: int = Field(ge=5, le=18)
    nominal: Money


class FinancingOut(Schema):
    id: int
    municipality_id: int
    title: str
    period_start: datetime.date
    period_end: datetime.date
    bands: list[BandOut] = Field(description="номиналы по возрасту, действующие сейчас")
    max_funded_certificates: int
    funded_certificates: int
    budget_cap: Money
    max_programs_per_child: int
    billing_regime: RegimeSlug  # type: ignore[valid-type]
    advance_percent: int
    closed: bool = Field(description="период закрыт: правила не меняются")


class BudgetOut(Schema):
    cap: Money
    credited: Money
    expired: Money
    committed: Money
    spent: Money
    left: Money
    quota: int
    funded_certificates: int
    quota_left: int


class ChangeOut(Schema):
    field: str
    field_name: str
    old_value: str
    new_value: str
    effective_from: datetime.date
    applied: bool = Field(description="вступило в силу; нет — ждёт дня effective_from")
    changed_by_id: int | None
    changed_at: datetime.datetime


class FinancingDetail(FinancingOut):
    budget: BudgetOut
    changes: list[ChangeOut] = Field(description="история изменений, новые первыми (до 100)")


def _financing_out(program: FinancingProgram, rules: FinancingRules) -> FinancingOut:
    return FinancingOut(
        id=program.pk,
        municipality_id=program.municipality_id,
        title=rules.title,
        period_start=rules.period_start,
        period_end=rules.period_end,
        bands=[BandOut(age_min=lo, age_max=hi, nominal=money(n)) for lo, hi, n in rules.bands],
        max_funded_certificates=rules.max_funded_certificates,
        funded_certificates=program.funded_count,
        budget_cap=money(rules.budget_cap),
        max_programs_per_child=rules.max_programs_per_child,
        billing_regime=rules.billing_regime,
        advance_percent=rules.advance_percent,
        closed=program.closed_at is not None,
    )


def _change_out(change: FinancingProgramChange) -> ChangeOut:
    return ChangeOut(
        field=change.field,
        field_name=change.get_field_display(),
        old_value=change.old_value,
        new_value=change.new_value,
        effective_from=change.effective_from,
        applied=change.applied_at is not None,
        changed_by_id=change.changed_by_id,
        changed_at=change.changed_at,
    )


def _financing_detail(program: FinancingProgram) -> FinancingDetail:
    program.refresh_from_db()
    figures = certificate_selectors.financing_budget_figures(financing_program=program)
    changes = certificate_selectors.financing_program_changes(financing_program=program)
    return FinancingDetail(
        **_financing_out(program, financing_rules(financing_program=program)).model_dump(),
        budget=BudgetOut(
            cap=money(figures.cap),
            credited=money(figures.credited),
            expired=money(figures.expired),
            committed=money(figures.committed),
            spent=money(figures.spent),
            left=money(figures.left),
            quota=figures.quota,
            funded_certificates=figures.funded_certificates,
            quota_left=figures.quota_left,
        ),
        changes=[_change_out(c) for c in changes[:100]],
    )


def _financing_program(caller: Principal, program_id: int) -> FinancingProgram:
    return get_object_or_404(
        FinancingProgram.objects.select_related("municipality"),
        pk=program_id,
        municipality_id__in=billing_selectors.operator_municipality_ids(user=caller.user),
    )


@router.get(
    "/financing",
    response={200: list[FinancingOut], READ_ERRORS: Problem},
    summary="Программы ПФДО",
    url_name="operator_financing_list",
)
def financing_list(request: HttpRequest, query: Query[MunicipalityQuery]) -> list[FinancingOut]:
    """The financing programs of the caller's municipalities, newest period first."""
    caller = _caller(request)
    programs = FinancingProgram.objects.filter(
        municipality_id__in=_municipalities(caller, query.municipality)
    ).order_by("municipality_id", "-period_start")
    return [_financing_out(p, financing_rules(financing_program=p)) for p in programs]


@router.get(
    "/financing/{financing_id}",
    response={200: FinancingDetail, READ_ERRORS: Problem},
    summary="Программа ПФДО",
    url_name="operator_financing_detail",
)
def financing_detail(request: HttpRequest, financing_id: IdPath) -> FinancingDetail:
    """The program's rules in force, its budget figures (as beside the editor) and its
    history of changes."""
    caller = _caller(request)
    return _financing_detail(_financing_program(caller, financing_id))


class BandIn(Schema):
    age_min: int = Field(ge=5, le=18)
    age_max: int = Field(ge=5, le=18)
    nominal: Money


class FinancingChangeIn(Schema):
    """Only the fields given change; the rest stay as they are."""

    title: str | None = Field(None, min_length=1, max_length=300)
    period_start: datetime.date | None = None
    period_end: datetime.date | None = None
    bands: list[BandIn] | None = Field(None, min_length=1, max_length=4)
    max_funded_certificates: int | None = Field(None, ge=0, le=10_000_000)
    budget_cap: Money | None = None
    max_programs_per_child: int | None = Field(None, ge=1, le=20)
    billing_regime: RegimeSlug | None = None  # type: ignore[valid-type]
    advance_percent: int | None = Field(None, ge=0, le=100)
    effective_from: datetime.date = Field(
        description="с какого дня действуют новые номиналы и правила для детей (сегодня или "
        "позже); лимит сертификатов и объём средств меняются сразу"
    )


@router.patch(
    "/financing/{financing_id}",
    response={200: FinancingDetail, WRITE_ERRORS: Problem},
    summary="Изменить программу ПФДО",
    url_name="operator_financing_change",
)
def financing_change(
    request: HttpRequest, financing_id: IdPath, payload: FinancingChangeIn
) -> FinancingDetail:
    """Change the program's rules through the editor's own service: the same checks (a
    refusal is 422 with the field, nothing saved; a closed period's rules are 409) and the same
    record of each change. A raise of the budget is funded from the treasury through the
    ledger; a change sent again finds nothing to change (422)."""
    caller = _caller(request)
    program = _financing_program(caller, financing_id)
    values: dict[str, object] = {
        name: getattr(payload, name)
        for name in (
            "title",
            "period_start",
            "period_end",
            "max_funded_certificates",
            "max_programs_per_child",
            "billing_regime",
            "advance_percent",
        )
        if getattr(payload, name) is not None
    }
    for name in ("period_start", "period_end"):
        date_checked(getattr(payload, name), field=name)
    if payload.title is not None:
        values["title"] = payload.title.strip()
    if payload.budget_cap is not None:
        values["budget_cap"] = payload.budget_cap.amount
    if payload.bands is not None:
        values["bands"] = tuple(
            sorted((b.age_min, b.age_max, b.nominal.amount) for b in payload.bands)
        )
    rules = financing_rules_with(financing_rules(financing_program=program), **values)
    effective_from = date_checked(payload.effective_from, field="effective_from")
    assert effective_from is not None
    _decided(
        lambda: financing_program_change(
            financing_program=program,
            rules=rules,
            effective_from=effective_from,
            actor=caller.user,
            today=timezone.localdate(),
        )
    )
    return _financing_detail(program)


# Month close -----------------------------------------------------------------------------------


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
    caller = _caller(request)
    ids = _municipalities(caller, query.municipality)
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
    caller = _caller(request)
    municipality = _one_municipality(caller, payload.municipality)
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
    caller = _caller(request)
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
    caller = _caller(request)
    closure = billing_selectors.month_closure_for_operator(user=caller.user, pk=closure_id)
    try:
        month_close_resume(actor=caller.user, closure=closure)
    except MonthCloseError as refusal:
        raise ApiProblem(409, str(refusal)) from None
    return json_answer(_closure_out(closure), status=202)


# Reports ---------------------------------------------------------------------------------------


class ReportQuery(Schema):
    municipality: int | None = Field(
        None, ge=1, le=2**31 - 1, description="муниципалитет; без него — все ваши"
    )
    on: datetime.date | None = Field(None, description="дата отчёта; без неё — сегодня")


class ReportScope(Schema):
    municipality_ids: list[int]
    label: str
    on: datetime.date


def _scope(caller: Principal, query: ReportQuery) -> ReportScope:
    ids = _municipalities(caller, query.municipality)
    if query.municipality is None and caller.user.role != Role.REGIONAL_ADMIN:
        ids = ids[:1]
    on = date_checked(query.on, field="on") or timezone.localdate()
    return ReportScope(
        municipality_ids=ids,
        label=report_selectors.municipality_names(municipality_ids=ids),
        on=on,
    )


class CoverageOut(Schema):
    key: str
    label: str
    covered: int = Field(description="охвачено детей 5–18 лет")
    population: int | None = Field(description="численность детей; null — не введена")
    percent: float | None


class CoverageReport(Schema):
    scope: ReportScope
    total: CoverageOut = Field(description="ребёнок учитывается один раз")
    by_direction: list[CoverageOut]
    by_age: list[CoverageOut]
    by_municipality: list[CoverageOut]


def _coverage(row: CoverageRow) -> CoverageOut:
    percent = row.percent
    return CoverageOut(
        key=row.key,
        label=row.label,
        covered=row.covered,
        population=row.population,
        percent=round(percent, 2) if percent is not None else None,
    )


@router.get(
    "/reports/coverage",
    response={200: CoverageReport, READ_ERRORS: Problem},
    summary="Охват детей",
    url_name="operator_report_coverage",
)
def report_coverage(request: HttpRequest, query: Query[ReportQuery]) -> CoverageReport:
    """Children 5–18 with an active contract out of the population, overall and by
    направленность, age and home municipality (the coverage reports' figures)."""
    scope = _scope(_caller(request), query)
    ids, on = scope.municipality_ids, scope.on
    return CoverageReport(
        scope=scope,
        total=_coverage(report_selectors.coverage_total(municipality_ids=ids, on=on)),
        by_direction=[
            _coverage(r)
            for r in report_selectors.coverage_by_direction(municipality_ids=ids, on=on)
        ],
        by_age=[
            _coverage(r) for r in report_selectors.coverage_by_age(municipality_ids=ids, on=on)
        ],
        by_municipality=[
            _coverage(r)
            for r in report_selectors.coverage_by_municipality(municipality_ids=ids, on=on)
        ],
    )


class CertificatesReport(Schema):
    scope: ReportScope
    issued: int
    funded: int = Field(description="сертификаты персонифицированного финансирования")
    accounting: int = Field(description="сертификаты учёта")
    in_use: int = Field(description="с действующим договором на дату отчёта")


@router.get(
    "/reports/certificates",
    response={200: CertificatesReport, READ_ERRORS: Problem},
    summary="Сертификаты",
    url_name="operator_report_certificates",
)
def report_certificates(request: HttpRequest, query: Query[ReportQuery]) -> CertificatesReport:
    """Certificates of the municipalities' children issued, funded, for accounting, and in
    use on the report date (the certificates report)."""
    scope = _scope(_caller(request), query)
    use = report_selectors.certificate_use(municipality_ids=scope.municipality_ids, on=scope.on)
    return CertificatesReport(
        scope=scope,
        issued=use.issued,
        funded=use.funded,
        accounting=use.accounting,
        in_use=use.in_use,
    )


class MoneyMonthOut(Schema):
    month: datetime.date
    credited: Money = Field(description="зачислено")
    spent: Money = Field(description="списано за обучение")
    expired: Money = Field(description="возвращено в бюджет")
    reserved: Money = Field(description="в резерве на конец месяца")
    remaining: Money = Field(description="остаток на конец месяца (резерв входит в него)")


class MoneyReport(Schema):
    scope: ReportScope
    months: list[MoneyMonthOut]


@router.get(
    "/reports/money",
    response={200: MoneyReport, READ_ERRORS: Problem},
    summary="Средства сертификатов по месяцам",
    url_name="operator_report_money",
)
def report_money(request: HttpRequest, query: Query[ReportQuery]) -> MoneyReport:
    """The certificates' money by month: credited, spent, expired back to the budget, and
    reserved and remaining at the month's end (the money report)."""
    scope = _scope(_caller(request), query)
    months = certificate_selectors.certificate_money_by_month(
        municipality_ids=scope.municipality_ids
    )
    return MoneyReport(
        scope=scope,
        months=[
            MoneyMonthOut(
                month=m.month,
                credited=money(m.credited),
                spent=money(m.spent),
                expired=money(m.expired),
                reserved=money(m.reserved),
                remaining=money(m.remaining),
            )
            for m in months
        ],
    )


class ProviderFigures(Schema):
    provider_id: int
    short_name: str
    contracts_total: int
    contracts_active: int = Field(description="действуют на дату отчёта")
    contracts_terminated: int
    revenue_certificate: Money
    revenue_parents: Money
    revenue: Money


class ProvidersReport(Schema):
    scope: ReportScope
    providers: list[ProviderFigures]


@router.get(
    "/reports/providers",
    response={200: ProvidersReport, READ_ERRORS: Problem},
    summary="Поставщики: договоры и выручка",
    url_name="operator_report_providers",
)
def report_providers(request: HttpRequest, query: Query[ReportQuery]) -> ProvidersReport:
    """The municipalities' providers with their contracts and revenue (charges not reversed),
    the largest revenue first (the providers report)."""
    scope = _scope(_caller(request), query)
    rows = report_selectors.provider_table(municipality_ids=scope.municipality_ids, on=scope.on)
    return ProvidersReport(
        scope=scope,
        providers=[
            ProviderFigures(
                provider_id=r["pk"],
                short_name=r["short_name"],
                contracts_total=r["contracts_total"],
                contracts_active=r["contracts_active"],
                contracts_terminated=r["contracts_terminated"],
                revenue_certificate=money(r["revenue_certificate"]),
                revenue_parents=money(r["revenue_parents"]),
                revenue=money(r["revenue"]),
            )
            for r in rows
        ],
    )


class ProgramFigures(Schema):
    program_id: int
    title: str
    direction: str
    provider_name: str
    applications: int
    seats: int
    seats_taken: int
    demand: float | None = Field(description="заявок на место")
    fill_percent: float | None = Field(description="заполненность, %")


class ProgramsReport(Schema):
    scope: ReportScope
    programs: list[ProgramFigures]


@router.get(
    "/reports/programs",
    response={200: ProgramsReport, READ_ERRORS: Problem},
    summary="Программы: спрос и заполненность",
    url_name="operator_report_programs",
)
def report_programs(request: HttpRequest, query: Query[ReportQuery]) -> ProgramsReport:
    """Programs with groups: applications, seats, seats taken, applications per seat and fill
    rate, the most demanded first (the programs report)."""
    scope = _scope(_caller(request), query)
    rows = report_selectors.program_table(municipality_ids=scope.municipality_ids)
    return ProgramsReport(
        scope=scope,
        programs=[
            ProgramFigures(
                program_id=r["pk"],
                title=r["title"],
                direction=r["direction"],
                provider_name=r["provider__short_name"],
                applications=r["applications"],
                seats=r["seats"] or 0,
                seats_taken=r["seats_taken"] or 0,
                demand=round(r["demand"], 2) if r["demand"] is not None else None,
                fill_percent=round(r["fill"], 2) if r["fill"] is not None else None,
            )
            for r in rows
        ],
    )
