"""Reads for the provider's cabinet and the operator's moderation queue, scoped to the reader.

Every `*_get_for_*` raises Http404 for an object outside the reader's reach: a provider's staff
never learn that another provider's program exists, an operator never sees another
municipality's providers.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.catalog.models import (
    Group,
    Lesson,
    Program,
    ProgramModerationEvent,
    ProgramState,
    Provider,
    ProviderModerationEvent,
    ProviderStaff,
    ProviderStatus,
    ScheduleSlot,
    StaffInvitation,
    StaffRole,
)


@dataclass(frozen=True)
class StaffAccess:
    """What a staff member reaches: the provider and their role there."""

    provider: Provider
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN


# Provider's staff ----------------------------------------------------------------------------


def staff_memberships(*, user: User) -> QuerySet[ProviderStaff]:
    """The providers the user works for, with their role in each."""
    return (
        ProviderStaff.objects.filter(user=user)
        .select_related("provider", "provider__municipality")
        .order_by("provider__short_name", "pk")
    )


def staff_role(*, user: User, provider_id: int) -> str | None:
    """The user's staff role at the provider, or None when they do not work there."""
    return (
        ProviderStaff.objects.filter(user=user, provider_id=provider_id)
        .values_list("role", flat=True)
        .first()
    )


def provider_get_for_staff(*, user: User, pk: int) -> StaffAccess:
    membership = staff_memberships(user=user).filter(provider_id=pk).first()
    if membership is None:
        raise Http404("Организация не найдена")
    return StaffAccess(provider=membership.provider, role=membership.role)


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


def provider_teachers(*, provider: Provider) -> QuerySet[User]:
    """People who may teach a group of the provider: its staff, administrators included."""
    return User.objects.filter(provider_roles__provider=provider, is_active=True).order_by(
        "last_name", "first_name", "pk"
    )


def provider_admins(*, provider: Provider) -> QuerySet[User]:
    return User.objects.filter(
        provider_roles__provider=provider, provider_roles__role=StaffRole.ADMIN, is_active=True
    ).order_by("pk")


def staff_list(*, provider: Provider) -> QuerySet[ProviderStaff]:
    return (
        ProviderStaff.objects.filter(provider=provider)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name", "pk")
    )


def invitation_list_pending(*, provider: Provider) -> QuerySet[StaffInvitation]:
    """Invitations that can still be accepted, newest first."""
    return StaffInvitation.objects.filter(
        provider=provider,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at", "-pk")


def program_history(*, program: Program) -> QuerySet[ProgramModerationEvent]:
    """The program's state changes, newest first, with who made them."""
    return ProgramModerationEvent.objects.filter(program=program).select_related("actor")


def provider_history(*, provider: Provider) -> QuerySet[ProviderModerationEvent]:
    return ProviderModerationEvent.objects.filter(provider=provider).select_related("actor")


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


def provider_last_rejection(*, provider: Provider) -> ProviderModerationEvent | None:
    if provider.status != ProviderStatus.REJECTED:
        return None
    return (
        provider_history(provider=provider)
        .filter(to_status=ProviderStatus.REJECTED)
        .order_by("-at", "-pk")
        .first()
    )


def lessons_with_history(*, group: Group) -> QuerySet[Lesson]:
    """The group's lessons that something else already refers to: attendance marks, charges,
    a recorded move or cancellation. They are history, and a schedule change keeps them.

    Reads every table that refers to lessons (AttendanceMark is the one that matters most), so
    a table added later by another app is respected without a change here.
    """
    lessons = Lesson.objects.filter(group=group)
    referenced = Q()
    for relation in Lesson._meta.related_objects:
        rows = relation.related_model._default_manager.filter(
            **{relation.field.name: OuterRef("pk")}
        )
        referenced |= Q(Exists(rows))
    return lessons.filter(referenced) if referenced else lessons.none()


# Operators -----------------------------------------------------------------------------------


def _operator_scope(user: User) -> Q:
    """Municipalities the user moderates, as a filter on providers.

    A municipal operator moderates their own municipality; a regional administrator the whole
    region (the portal serves one region). Anyone else, or an operator without a
    municipality, moderates nothing.
    """
    if user.role == Role.REGIONAL_ADMIN:
        return Q()
    if user.role == Role.OPERATOR and user.municipality_id is not None:
        return Q(municipality_id=user.municipality_id)
    return Q(pk__in=[])


def operator_can_moderate(*, user: User, provider: Provider) -> bool:
    return Provider.objects.filter(_operator_scope(user), pk=provider.pk).exists()


def provider_list_for_operator(*, user: User) -> QuerySet[Provider]:
    return Provider.objects.filter(_operator_scope(user)).select_related("municipality")


def provider_get_for_operator(*, user: User, pk: int) -> Provider:
    provider = provider_list_for_operator(user=user).filter(pk=pk).first()
    if provider is None:
        raise Http404("Организация не найдена")
    return provider


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
