"""Enrolment windows: when a program (all its groups) or one group takes applications.

Opened and closed by the provider's administrators or by the municipal operator; the group's
manual switch (`Group.enrollment_open`, kept by the catalogue) still closes it whatever the
window says. What the catalogue shows is `selectors.enrollment_state_for_group`.
"""

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.catalog.models import Group, Program
from kruzhok.common.bounds import plan_horizon
from kruzhok.common.services import audit_record
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.models import EnrollmentWindow
from kruzhok.providers.models import Provider, StaffRole

# A window may be recorded as opened up to a year ago; further back it says nothing useful.
WINDOW_DAYS_AGO_MAX = 366


def can_manage_enrollment(*, user: User, provider: Provider) -> bool:
    """The provider's administrators, the operator of its municipality, a regional admin."""
    if user.role == Role.REGIONAL_ADMIN:
        return True
    if user.role == Role.OPERATOR:
        return user.municipality_id is not None and user.municipality_id == provider.municipality_id
    return user.provider_roles.filter(provider=provider, role=StaffRole.ADMIN).exists()


def programs_for_window_manager(*, user: User) -> "list[Program]":
    """Programs whose enrolment the user may open and close, with their groups."""
    programs = Program.objects.select_related("provider").prefetch_related("groups")
    if user.role == Role.REGIONAL_ADMIN:
        pass
    elif user.role == Role.OPERATOR:
        programs = programs.filter(provider__municipality=user.municipality)
    else:
        admin_of = user.provider_roles.filter(role=StaffRole.ADMIN).values("provider_id")
        programs = programs.filter(provider_id__in=admin_of)
    return list(programs.order_by("provider__short_name", "title"))


def _target(program: Program | None, group: Group | None) -> tuple[Q, Provider]:
    if (program is None) == (group is None):
        raise TypeError("pass exactly one of program and group")
    if group is not None:
        return Q(group=group), group.program.provider
    assert program is not None
    return Q(program=program), program.provider


def _save(
    *,
    actor: User,
    program: Program | None,
    group: Group | None,
    opens_at: datetime.datetime | None,
    closes_at: datetime.datetime | None,
    action: str,
) -> EnrollmentWindow:
    where, provider = _target(program, group)
    if not can_manage_enrollment(user=actor, provider=provider):
        raise EnrollmentError("Управлять записью в чужие программы нельзя.")
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise EnrollmentError(
            "Запись должна закрываться позже, чем открывается.", field="closes_at"
        )
    with transaction.atomic():
        window = EnrollmentWindow.objects.select_for_update().filter(where).first()
        if window is None:
            window = EnrollmentWindow(program=program, group=group)
        window.opens_at = opens_at
        window.closes_at = closes_at
        window.changed_by = actor
        window.save()
        audit_record(actor=actor, action=action, obj=window, opens_at=opens_at, closes_at=closes_at)
    return window


def enrollment_window_set(
    *,
    actor: User,
    opens_at: datetime.datetime | None,
    closes_at: datetime.datetime | None,
    program: Program | None = None,
    group: Group | None = None,
) -> EnrollmentWindow:
    """Set when enrolment into the program (or the group) opens and closes; either end may
    be empty. A group's own window wins over its program's. Each end lies between a year ago
    and the planning horizon (common.bounds): a window of 1900–9999 is refused."""
    today = timezone.localdate()
    low = today - datetime.timedelta(days=WINDOW_DAYS_AGO_MAX)
    high = plan_horizon(today)
    for field, moment in (("opens_at", opens_at), ("closes_at", closes_at)):
        if moment is not None and not low <= timezone.localtime(moment).date() <= high:
            raise EnrollmentError(f"Укажите дату с {low:%d.%m.%Y} по {high:%d.%m.%Y}.", field=field)
    return _save(
        actor=actor,
        program=program,
        group=group,
        opens_at=opens_at,
        closes_at=closes_at,
        action="enrollment_window_set",
    )


def enrollment_window_open(
    *,
    actor: User,
    program: Program | None = None,
    group: Group | None = None,
    at: datetime.datetime | None = None,
) -> EnrollmentWindow:
    """Open enrolment now, or at `at` («запись откроется 25.08.2026 в 09:00»), until closed."""
    now = timezone.now()
    return _save(
        actor=actor,
        program=program,
        group=group,
        opens_at=at if at is not None and at > now else None,
        closes_at=None,
        action="enrollment_window_open",
    )


def enrollment_window_close(
    *, actor: User, program: Program | None = None, group: Group | None = None
) -> EnrollmentWindow:
    """Close enrolment now (until opened again)."""
    return _save(
        actor=actor,
        program=program,
        group=group,
        opens_at=None,
        closes_at=timezone.now(),
        action="enrollment_window_close",
    )


def enrollment_window_clear(
    *, actor: User, program: Program | None = None, group: Group | None = None
) -> None:
    """Remove the window: the group's manual switch alone decides again (a group without its
    own window follows its program's)."""
    where, provider = _target(program, group)
    if not can_manage_enrollment(user=actor, provider=provider):
        raise EnrollmentError("Управлять записью в чужие программы нельзя.")
    with transaction.atomic():
        for window in EnrollmentWindow.objects.filter(where):
            audit_record(actor=actor, action="enrollment_window_clear", obj=window)
            window.delete()


def enrollment_window_own(
    *, program: Program | None = None, group: Group | None = None
) -> EnrollmentWindow | None:
    """The window set on exactly this program or group (not inherited), if any."""
    where, _ = _target(program, group)
    return EnrollmentWindow.objects.filter(where).first()
