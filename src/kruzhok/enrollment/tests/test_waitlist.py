"""The waiting line: first come, first served; a freed seat goes to the first in line, once."""

import datetime
import re

import pytest
from django.utils import timezone

from kruzhok.common.models import AuditEvent
from kruzhok.enrollment import clock, services
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.enrollment.selectors import waitlist, waitlist_position
from kruzhok.enrollment.services import EnrollmentError
from kruzhok.enrollment.tests.world import child_make, group_make
from kruzhok.notifications.models import Notification


@pytest.fixture
def line(world, time_machine):
    """A one-seat auto-accept group: the first child holds the seat, three more wait, each
    having applied a minute after the previous one."""
    group = group_make(world.program, world.teacher, capacity=1, auto_accept=True)
    applications = []
    for _ in range(4):
        applications.append(
            services.application_submit(
                parent=world.parent, child_id=child_make(world.parent).pk, group_id=group.pk
            )
        )
        time_machine.move_to(timezone.now() + datetime.timedelta(minutes=1), tick=False)
    return group, applications


def _status(application):
    application.refresh_from_db()
    return application.status


def _seats(group):
    group.refresh_from_db()
    return group.seats_taken


def test_applications_to_a_full_group_wait_in_the_order_they_came(line):
    group, (holder, *waiting) = line
    assert holder.status == ApplicationStatus.ACCEPTED
    assert [a.status for a in waiting] == [ApplicationStatus.WAITLISTED] * 3
    assert list(waitlist(group=group)) == waiting
    assert [waitlist_position(application=a) for a in waiting] == [1, 2, 3]


def test_the_parent_is_told_the_application_waits(world, line):
    notes = Notification.objects.filter(user=world.parent, subject="Заявка в листе ожидания")
    assert notes.count() == 3


def test_a_cancelled_seat_goes_to_the_first_in_line_with_a_fresh_offer(world, line, time_machine):
    group, (holder, first, second, third) = line
    services.application_cancel(parent=world.parent, application=holder)
    first.refresh_from_db()
    assert first.status == ApplicationStatus.ACCEPTED
    assert first.offer_expires_at == timezone.now() + datetime.timedelta(days=5)
    assert first.status_changed_by is None
    assert (_status(second), _status(third)) == (ApplicationStatus.WAITLISTED,) * 2
    assert waitlist_position(application=second) == 1
    assert _seats(group) == 1
    note = Notification.objects.get(user=world.parent, subject="Место освободилось: заявка принята")
    assert note.link == f"/enrollment/applications/{first.pk}/"


def test_a_rejected_accepted_application_promotes_the_next(world, line):
    group, (holder, first, *_) = line
    services.application_reject(actor=world.admin, application=holder, reason="Нет справки")
    assert _status(first) == ApplicationStatus.ACCEPTED
    assert _seats(group) == 1


def test_leaving_the_waiting_line_frees_no_seat_and_promotes_nobody(world, line):
    group, (_, first, second, _) = line
    services.application_cancel(parent=world.parent, application=first)
    assert _status(second) == ApplicationStatus.WAITLISTED
    assert waitlist_position(application=second) == 1
    assert _seats(group) == 1


def test_each_application_is_promoted_exactly_once(world, line, time_machine):
    group, (holder, first, second, third) = line
    services.application_cancel(parent=world.parent, application=holder)
    services.application_cancel(parent=world.parent, application=first)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=6), tick=False)
    clock.enrollment_tick()  # second's offer expires: third is promoted
    clock.enrollment_tick()
    promotions = AuditEvent.objects.filter(action="application_promote")
    assert sorted(int(e.object_id) for e in promotions) == [first.pk, second.pk, third.pk]
    assert (_status(second), _status(third)) == (
        ApplicationStatus.EXPIRED,
        ApplicationStatus.ACCEPTED,
    )
    assert _seats(group) == 1


def test_seats_added_later_are_filled_from_the_waiting_line_by_the_tick(line):
    group, (_, first, second, third) = line
    type(group).objects.filter(pk=group.pk).update(capacity=3)
    assert clock.waitlists_promote() == 2
    assert (_status(first), _status(second), _status(third)) == (
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
    )
    assert clock.waitlists_promote() == 0


def test_the_provider_cannot_let_a_waiting_application_jump_the_line(world, line):
    _, (_, _, second, _) = line
    with pytest.raises(EnrollmentError, match=re.escape("листе ожидания (2-я в очереди)")):
        services.application_accept(actor=world.admin, application=second)
    assert _status(second) == ApplicationStatus.WAITLISTED


def test_accepting_a_waiting_application_when_seats_appear_moves_the_line_in_order(world, line):
    group, (_, first, second, _) = line
    type(group).objects.filter(pk=group.pk).update(capacity=2)
    with pytest.raises(EnrollmentError, match="1-я в очереди"):
        services.application_accept(actor=world.admin, application=second)
    # The one new seat went to the first in line, not to the one clicked, and that stays.
    assert (_status(first), _status(second)) == (
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
    )
    assert _seats(group) == 2


def test_an_ended_group_promotes_nobody(world, line, time_machine):
    _, (holder, first, *_) = line
    services.contract_accept(parent=world.parent, application=holder)
    time_machine.move_to(datetime.datetime(2026, 12, 26, 9, 0, tzinfo=datetime.UTC), tick=False)
    clock.enrollment_tick()
    assert _status(first) == ApplicationStatus.WAITLISTED
    assert Application.objects.get(pk=holder.pk).status == ApplicationStatus.FINISHED
