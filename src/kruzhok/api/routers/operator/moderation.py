"""Moderation: providers asking to join and programs sent for checking."""

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from kruzhok.api.answers import READ_ERRORS, WRITE_ERRORS, Decisions, IdPath
from kruzhok.api.problems import Problem
from kruzhok.api.routers.operator.access import caller_of
from kruzhok.api.schemas import Money, money
from kruzhok.catalog import cabinet, moderation
from kruzhok.catalog.models import Program, ProgramState
from kruzhok.providers import moderation as provider_moderation
from kruzhok.providers import selectors as provider_selectors
from kruzhok.providers.models import Provider, ProviderStatus

router = Router()

ProgramStateSlug = Literal[tuple(ProgramState.values)]  # type: ignore[valid-type]
ProviderStatusSlug = Literal[tuple(ProviderStatus.values)]  # type: ignore[valid-type]


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


PROGRAMS = Decisions(reach=cabinet.program_get_for_operator, out=_program_out)
PROVIDERS = Decisions(reach=provider_selectors.provider_get_for_operator, out=_provider_out)


@router.get(
    "/moderation",
    response={200: ModerationQueueOut, READ_ERRORS: Problem},
    summary="Ждут решения",
    url_name="operator_moderation_queue",
)
def moderation_queue(request: HttpRequest) -> ModerationQueueOut:
    """Providers asking to join and programs sent for checking in the caller's
    municipalities, oldest first (the moderation page's queue)."""
    caller = caller_of(request)
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
    caller = caller_of(request)
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
    caller = caller_of(request)
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
    caller = caller_of(request)
    return PROGRAMS.make(
        user=caller.user,
        pk=program_id,
        decide=lambda program: moderation.program_approve(operator=caller.user, program=program),
    )


@router.post(
    "/moderation/programs/{program_id}/return",
    response={200: ProgramWaiting, WRITE_ERRORS: Problem},
    summary="Вернуть программу на доработку",
    url_name="operator_program_return",
)
def program_return(request: HttpRequest, program_id: IdPath, payload: RemarksIn) -> ProgramWaiting:
    """Return a program on moderation to its provider with remarks on what to change."""
    caller = caller_of(request)
    return PROGRAMS.make(
        user=caller.user,
        pk=program_id,
        decide=lambda program: moderation.program_return(
            operator=caller.user, program=program, remarks=payload.remarks
        ),
    )


@router.post(
    "/moderation/providers/{provider_id}/approve",
    response={200: ProviderWaiting, WRITE_ERRORS: Problem},
    summary="Допустить организацию",
    url_name="operator_provider_approve",
)
def provider_approve(request: HttpRequest, provider_id: IdPath) -> ProviderWaiting:
    """Admit a provider on moderation to the portal; its administrators are told."""
    caller = caller_of(request)
    return PROVIDERS.make(
        user=caller.user,
        pk=provider_id,
        decide=lambda provider: provider_moderation.provider_approve(
            operator=caller.user, provider=provider
        ),
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
    caller = caller_of(request)
    return PROVIDERS.make(
        user=caller.user,
        pk=provider_id,
        decide=lambda provider: provider_moderation.provider_reject(
            operator=caller.user, provider=provider, reason=payload.reason
        ),
    )
