"""The steps every transition of an application shares: who may act, the locks (the group
first, then the application: one order everywhere, see `services`), the recorded status change,
and seats with the waiting line."""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.catalog import seats
from kruzhok.catalog.group_access import group_staff_can_work
from kruzhok.catalog.models import Group
from kruzhok.common.services import audit_record
from kruzhok.enrollment import notices, selectors
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.families.models import Child


def is_guardian(user: User, child: Child) -> bool:
    return child.guardianships.filter(user=user).exists()


def provider_role_of(*, user: User, provider_id: int) -> str | None:
    """The user's staff role at the provider, or None."""
    return (
        user.provider_roles.filter(provider_id=provider_id).values_list("role", flat=True).first()
    )


def is_provider_staff(user: User, application: Application) -> bool:
    return group_staff_can_work(user=user, group=application.group)


def check_provider_staff(user: User, application: Application) -> None:
    if not is_provider_staff(user, application):
        raise EnrollmentError("Эта заявка подана в другую организацию: решение по ней недоступно.")


def status_set(
    application: Application,
    status: ApplicationStatus,
    *,
    actor: User | None,
    reason: str = "",
    extra_fields: Iterable[str] = (),
) -> None:
    application.status = status
    application.status_changed_at = timezone.now()
    application.status_changed_by = actor
    if reason:
        application.reason = reason
    application.save(
        update_fields=["status", "status_changed_at", "status_changed_by", "reason", *extra_fields]
    )


def group_lock(group_id: int) -> Group:
    """Lock the group row: the one door through which seats and the waiting line change."""
    return (
        Group.objects.select_for_update(of=("self",))
        .select_related("program__provider")
        .get(pk=group_id)
    )


def application_lock(application: Application) -> Application:
    """Lock the application's group, then the application, and re-read both (group first,
    always: see `services`)."""
    group_id = Application.objects.values_list("group_id", flat=True).get(pk=application.pk)
    group = group_lock(group_id)
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("child", "applicant")
        .get(pk=application.pk)
    )
    locked.group = group
    return locked


def state_refusal(application: Application, action: str) -> EnrollmentError:
    return EnrollmentError(
        f"Заявка в состоянии «{application.get_status_display()}»: {action} нельзя."
    )


def seat_given(application: Application, *, actor: User | None, action: str) -> None:
    """Mark an application that has just got its seat accepted, with a fresh offer deadline."""
    application.offer_expires_at = timezone.now() + datetime.timedelta(
        days=settings.KRUZHOK_OFFER_VALID_DAYS
    )
    status_set(
        application, ApplicationStatus.ACCEPTED, actor=actor, extra_fields=["offer_expires_at"]
    )
    audit_record(actor=actor, action=action, obj=application)


def waitlist_promote(group: Group) -> list[Application]:
    """Give each free seat of the group to the first in line. The caller holds the group lock,
    so no other transaction can promote the same application or take the same seat."""
    promoted: list[Application] = []
    if group.end_date < timezone.localdate():
        return promoted
    while True:
        candidate = (
            selectors.waitlist(group=group)
            .select_for_update(of=("self",))
            .select_related("child", "applicant")
            .first()
        )
        if candidate is None or not seats.group_seat_take(group_id=group.pk):
            return promoted
        candidate.group = group
        seat_given(candidate, actor=None, action="application_promote")
        notices.accepted(candidate, promoted=True)
        promoted.append(candidate)


def seat_free(group: Group) -> list[Application]:
    """Release a seat of a locked group and hand it to the waiting line at once."""
    seats.group_seat_release(group_id=group.pk)
    return waitlist_promote(group)
