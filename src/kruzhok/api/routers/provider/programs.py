"""The organisation's programs with their groups."""

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from kruzhok.api.answers import READ_ERRORS, IdPath
from kruzhok.api.problems import Problem
from kruzhok.api.routers.provider.access import caller_of, memberships, within_token
from kruzhok.api.routers.provider.groups import CabinetGroup, group_out
from kruzhok.api.schemas import Money, money
from kruzhok.catalog import cabinet
from kruzhok.catalog.models import Program, ProgramState

router = Router()

ProgramStateSlug = Literal[tuple(ProgramState.values)]  # type: ignore[valid-type]


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


@router.get(
    "/programs",
    response={200: list[CabinetProgram], READ_ERRORS: Problem},
    summary="Программы организации",
    url_name="provider_program_list",
)
def program_list(request: HttpRequest) -> list[CabinetProgram]:
    """The programs of the caller's organisations (the token's one), archived last, as the
    cabinet's home page lists them."""
    caller = caller_of(request)
    result: list[CabinetProgram] = []
    for membership in memberships(caller):
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
    caller = caller_of(request)
    program, _access = cabinet.program_get_for_staff(user=caller.user, pk=program_id)
    within_token(caller, program.provider_id, "Программа не найдена")
    groups = list(cabinet.group_list_for_program_cabinet(program=program))
    remarks = cabinet.program_last_remarks(program=program)
    return CabinetProgramDetail(
        **_program_out(program, len(groups)).model_dump(),
        description=program.description,
        address=program.address,
        duration_months=program.duration_months,
        hours_per_week=program.hours_per_week,
        remarks=remarks.remarks if remarks else "",
        groups=[group_out(group, program.provider_id) for group in groups],
    )
