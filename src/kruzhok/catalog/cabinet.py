"""Reads of programs and groups for the provider's cabinet and the operator's moderation,
scoped to the reader (who reaches which provider is `providers.selectors`).

Every `*_get_for_*` raises Http404 for an object outside the reader's reach: a provider's staff
never learn that another provider's program exists, an operator never sees another
municipality's programs.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Prefetch,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.catalog.models import (
    Group,
    Program,
    ProgramModerationEvent,
    ProgramState,
    ScheduleSlot,
)
from kruzhok.providers.models import Provider, ProviderStatus
from kruzhok.providers.selectors import StaffAccess, provider_list_for_operator, staff_role

# Provider's staff ----------------------------------------------------------------------------


def program_get_for_staff(*, user: User, pk: int) -> tuple[Program, StaffAccess]:
    """A program of a provider the user works for, and their role there; 404 otherwise."""
    program = (
        Program.objects.filter(pk=pk, provider__staff__user=user)
        .select_related("provider", "provider__municipality")
        .first()
    )
    if program is None:
        raise Http404("Программа не найдена")
    role = staff_role(user=user, provider_id=program.provider_id)
    assert role is not None
    return program, StaffAccess(provider=program.provider, role=role)


def group_get_for_staff(*, user: User, pk: int) -> tuple[Group, StaffAccess]:
    """A group of a provider the user works for, with its schedule; 404 otherwise."""
    group = (
        Group.objects.filter(pk=pk, program__provider__staff__user=user)
        .select_related("program__provider", "teacher")
        .prefetch_related("schedule")
        .first()
    )
    if group is None:
        raise Http404("Группа не найдена")
    role = staff_role(user=user, provider_id=group.program.provider_id)
    assert role is not None
    return group, StaffAccess(provider=group.program.provider, role=role)


def program_list_for_provider(*, provider: Provider) -> QuerySet[Program]:
    """The provider's programs, archived last, each with `group_count`."""
    return (
        Program.objects.filter(provider=provider)
        .annotate(
            group_count=Count("groups"),
            archived=Case(
                When(state=ProgramState.ARCHIVED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("archived", "title", "pk")
    )


def group_list_for_provider(*, provider: Provider) -> QuerySet[Group]:
    """The provider's groups that have not finished, with teacher and schedule, soonest first."""
    return (
        Group.objects.filter(program__provider=provider, end_date__gte=timezone.localdate())
        .select_related("program", "teacher")
        .prefetch_related(Prefetch("schedule", queryset=ScheduleSlot.objects.order_by("weekday")))
        .order_by("start_date", "program__title", "name", "pk")
    )


def group_list_for_program_cabinet(*, program: Program) -> QuerySet[Group]:
    """All of the program's groups, finished ones included, for its provider's staff."""
    return (
        Group.objects.filter(program=program)
        .select_related("teacher")
        .prefetch_related(Prefetch("schedule", queryset=ScheduleSlot.objects.order_by("weekday")))
        .order_by("-end_date", "name", "pk")
    )


def program_history(*, program: Program) -> QuerySet[ProgramModerationEvent]:
    """The program's state changes, newest first, with who made them."""
    return ProgramModerationEvent.objects.filter(program=program).select_related("actor")


def program_last_remarks(*, program: Program) -> ProgramModerationEvent | None:
    """The operator's latest return of the program for changes, if it is waiting for them."""
    if program.state != ProgramState.RETURNED:
        return None
    return (
        program_history(program=program)
        .filter(to_state=ProgramState.RETURNED)
        .order_by("-at", "-pk")
        .first()
    )


# Operators -----------------------------------------------------------------------------------


def program_list_for_operator(*, user: User) -> QuerySet[Program]:
    return Program.objects.filter(
        provider__in=provider_list_for_operator(user=user)
    ).select_related("provider", "provider__municipality")


def program_get_for_operator(*, user: User, pk: int) -> Program:
    program = program_list_for_operator(user=user).filter(pk=pk).first()
    if program is None:
        raise Http404("Программа не найдена")
    return program


@dataclass(frozen=True)
class ModerationQueue:
    providers: list[Provider]
    programs: list[Program]


def moderation_queue(*, user: User) -> ModerationQueue:
    """What waits for the operator's decision, oldest first: providers, then programs."""
    providers = (
        provider_list_for_operator(user=user)
        .filter(status=ProviderStatus.MODERATING)
        .order_by("created_at", "pk")
    )
    programs = (
        program_list_for_operator(user=user)
        .filter(state=ProgramState.MODERATING)
        .order_by("updated_at", "pk")
    )
    return ModerationQueue(providers=list(providers), programs=list(programs))


def moderation_recent(*, user: User, days: int = 30) -> list[ProgramModerationEvent]:
    """Program decisions in the operator's municipalities over the last days, newest first."""
    since = timezone.now() - datetime.timedelta(days=days)
    return list(
        ProgramModerationEvent.objects.filter(
            program__provider__in=provider_list_for_operator(user=user),
            at__gte=since,
            from_state=ProgramState.MODERATING,
        )
        .select_related("program__provider", "actor")
        .order_by("-at", "-pk")[:50]
    )
