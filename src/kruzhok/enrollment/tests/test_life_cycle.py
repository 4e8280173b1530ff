"""The application's life cycle: every transition, who did it and when, and every refusal."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from kruzhok.catalog.models import Group
from kruzhok.common.models import AuditEvent
from kruzhok.enrollment import clock, services
from kruzhok.enrollment.models import SEAT_STATUSES, Application, ApplicationStatus
from kruzhok.enrollment.services import EnrollmentError
from kruzhok.enrollment.tests.world import (
    TODAY,
    application_accepted,
    child_make,
    contract_made,
    full_group,
    group_make,
)
from kruzhok.notifications.models import Notification


def _seats(group):
    group.refresh_from_db()
    return group.seats_taken


def _status(application):
    application.refresh_from_db()
    return application.status


def _audit(application, action):
    return AuditEvent.objects.filter(
        action=action, object_type="enrollment.application", object_id=str(application.pk)
    )


def _submitted(world, group=None):
    return services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=(group or world.group).pk
    )


def _future_group(world, start=datetime.date(2026, 11, 2), end=datetime.date(2026, 12, 24)):
    return group_make(world.program, world.teacher, start=start, end=end)


# Submission and the provider's decision --------------------------------------------------------


def test_a_submission_records_the_parent_and_the_time(world):
    application = _submitted(world)
    assert application.status_changed_by == world.parent
    assert application.status_changed_at == timezone.now()
    assert _audit(application, "application_submit").get().actor == world.parent


def test_the_provider_must_answer_within_three_working_days(world):
    # Thursday 15.10.2026 + three working days = Tuesday 20.10.2026 (the weekend is skipped).
    assert _submitted(world).decide_by == datetime.date(2026, 10, 20)


def test_the_answer_deadline_skips_public_holidays(world, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 2, 10, 0, tzinfo=datetime.UTC), tick=False)
    # Monday 02.11: Tuesday 3rd, (Wednesday 4th is Unity Day), Thursday 5th, Friday 6th.
    assert _submitted(world).decide_by == datetime.date(2026, 11, 6)


def test_an_auto_accepted_application_has_no_answer_deadline(world):
    group = group_make(world.program, world.teacher, auto_accept=True)
    application = _submitted(world, group)
    assert application.decide_by is None
    assert application.status_changed_by is None  # the system accepted, not a person
    assert _audit(application, "application_accept").get().actor is None


def test_accepting_records_the_provider_and_the_time(world):
    application = services.application_accept(actor=world.admin, application=_submitted(world))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    assert application.status_changed_by == world.admin
    assert application.offer_expires_at == timezone.now() + datetime.timedelta(days=5)
    assert _audit(application, "application_accept").get().actor == world.admin


def test_accepting_with_no_free_seat_puts_the_application_on_the_waiting_line(world):
    group = group_make(world.program, world.teacher, capacity=1)
    first = services.application_submit(
        parent=world.parent, child_id=child_make(world.parent).pk, group_id=group.pk
    )
    second = _submitted(world, group)
    services.application_accept(actor=world.admin, application=first)
    result = services.application_accept(actor=world.admin, application=second)
    assert result.status == ApplicationStatus.WAITLISTED == _status(second)
    assert _seats(group) == 1
    assert _audit(second, "application_waitlist").get().actor == world.admin
    assert Notification.objects.filter(subject="Заявка в листе ожидания").count() == 1


def test_accepting_an_accepted_application_again_is_refused_with_its_state(world):
    application = application_accepted(world)
    with pytest.raises(EnrollmentError, match="«Принята, ждёт договора»"):
        services.application_accept(actor=world.admin, application=application)
    assert _seats(world.group) == 1


def test_staff_of_another_organisation_cannot_decide(world):
    from kruzhok.enrollment.tests.world import user_make

    stranger = user_make(role="provider")
    application = _submitted(world)
    with pytest.raises(EnrollmentError, match="другую организацию"):
        services.application_reject(actor=stranger, application=application, reason="Нет")
    assert _status(application) == ApplicationStatus.SUBMITTED


def test_rejecting_records_the_reason_and_tells_the_parent(world):
    application = _submitted(world)
    services.application_reject(actor=world.admin, application=application, reason="Нет формы")
    application.refresh_from_db()
    assert (application.status, application.reason) == (ApplicationStatus.REJECTED, "Нет формы")
    assert application.status_changed_by == world.admin
    note = Notification.objects.get(user=world.parent, subject="Заявка отклонена")
    assert "Нет формы" in note.body


def test_a_waitlisted_application_can_be_rejected_without_touching_the_seats(world):
    group = full_group(world, capacity=1)
    application = _submitted(world, group)
    services.application_reject(actor=world.admin, application=application, reason="Дубль")
    assert _status(application) == ApplicationStatus.REJECTED
    assert _seats(group) == 1


def test_a_contracted_application_cannot_be_rejected(world):
    contract = contract_made(world)
    with pytest.raises(EnrollmentError, match="отклонить её нельзя"):
        services.application_reject(
            actor=world.admin, application=contract.application, reason="Передумали"
        )


def test_a_rejection_without_a_reason_cannot_even_be_stored(world):
    application = _submitted(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.REJECTED)


def test_cancelling_twice_says_it_is_already_cancelled(world):
    application = _submitted(world)
    services.application_cancel(parent=world.parent, application=application)
    with pytest.raises(EnrollmentError, match="уже отозвана"):
        services.application_cancel(parent=world.parent, application=application)


def test_a_contract_cannot_be_cancelled_only_withdrawn(world):
    contract = contract_made(world)
    with pytest.raises(EnrollmentError, match="не может быть отозвана"):
        services.application_cancel(parent=world.parent, application=contract.application)


def test_the_provider_is_told_of_a_new_application_and_of_a_cancellation(world):
    application = _submitted(world)
    assert Notification.objects.get(user=world.admin, subject="Новая заявка")
    services.application_cancel(parent=world.parent, application=application)
    assert Notification.objects.get(user=world.admin, subject="Заявка отозвана")
    # The teacher is staff, not an administrator: the queue is the administrators' job.
    assert not Notification.objects.filter(user=world.teacher).exists()


def test_an_auto_accepted_application_tells_the_parent_not_the_provider(world):
    Group.objects.filter(pk=world.group.pk).update(auto_accept=True)
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    assert application.status == ApplicationStatus.ACCEPTED
    assert application.status_changed_by is None  # the system accepted it, not a person
    assert Notification.objects.filter(user=world.parent, subject="Заявка принята").count() == 1
    # Nobody at the provider has anything to decide: its queue shows the application.
    assert not Notification.objects.filter(user=world.admin).exists()
    actions = list(
        AuditEvent.objects.filter(
            object_type="enrollment.application", object_id=str(application.pk)
        )
        .order_by("pk")
        .values_list("action", "actor_id")
    )
    assert actions == [("application_submit", world.parent.pk), ("application_accept", None)]


def test_the_parent_is_told_when_the_application_is_accepted(world):
    application = application_accepted(world)
    note = Notification.objects.get(user=world.parent, subject="Заявка принята")
    assert note.link == f"/enrollment/applications/{application.pk}/"
    assert "Примите оферту" in note.body


# The offer ----------------------------------------------------------------------------------


def test_an_offer_past_its_deadline_expires_frees_the_seat_and_tells_the_parent(
    world, time_machine
):
    application = application_accepted(world)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=5, seconds=1), tick=False)
    assert clock.offers_expire() == 1
    assert _status(application) == ApplicationStatus.EXPIRED
    assert _seats(world.group) == 0
    assert Notification.objects.filter(user=world.parent, subject="Срок оферты истёк").count() == 1
    assert clock.offers_expire() == 0  # idempotent


def test_an_offer_still_valid_does_not_expire(world, time_machine):
    application = application_accepted(world)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=4), tick=False)
    assert clock.offers_expire() == 0
    with pytest.raises(EnrollmentError, match="ещё действует"):
        services.offer_expire(application=application)
    assert _status(application) == ApplicationStatus.ACCEPTED


def test_accepting_an_expired_offer_expires_it_and_gives_the_seat_to_the_next(world, time_machine):
    group = group_make(world.program, world.teacher, capacity=1, auto_accept=True)
    mine = _submitted(world, group)
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=1), tick=False)
    next_in_line = services.application_submit(
        parent=world.parent, child_id=child_make(world.parent).pk, group_id=group.pk
    )
    time_machine.move_to(timezone.now() + datetime.timedelta(days=6), tick=False)
    with pytest.raises(EnrollmentError, match="истёк"):
        services.contract_accept(parent=world.parent, application=mine)
    assert _status(mine) == ApplicationStatus.EXPIRED
    assert _status(next_in_line) == ApplicationStatus.ACCEPTED
    assert _seats(group) == 1
    # ...and a second try gets the same clear message, with nothing else changing.
    with pytest.raises(EnrollmentError, match="истёк"):
        services.contract_accept(parent=world.parent, application=mine)
    assert not hasattr(Application.objects.get(pk=mine.pk), "contract")


# The group's start and end --------------------------------------------------------------------


def test_a_contract_signed_before_the_start_waits_until_the_group_starts(world):
    group = _future_group(world)
    contract = contract_made(world, group=group)
    assert _status(contract.application) == ApplicationStatus.CONTRACTED
    assert contract.start_date == datetime.date(2026, 11, 2)


def test_the_groups_start_makes_its_contracted_applications_active_without_a_click(world):
    contract = contract_made(world, group=_future_group(world))
    application = contract.application
    assert clock.applications_activate_started(today=datetime.date(2026, 11, 1)) == 0
    assert clock.applications_activate_started(today=datetime.date(2026, 11, 2)) == 1
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACTIVE
    assert application.status_changed_by is None
    assert _audit(application, "application_activate").count() == 1
    assert clock.applications_activate_started(today=datetime.date(2026, 11, 3)) == 0


def test_activating_before_the_start_is_refused(world):
    contract = contract_made(world, group=_future_group(world))
    with pytest.raises(EnrollmentError, match=re.escape("начнётся 02.11.2026")):
        services.application_activate(application=contract.application, today=TODAY)


def test_the_end_of_the_contract_finishes_the_application_and_frees_its_seat(world):
    contract = contract_made(world)
    assert clock.applications_finish_ended(today=contract.end_date) == 0
    assert clock.applications_finish_ended(today=contract.end_date.replace(day=25)) == 1
    assert _status(contract.application) == ApplicationStatus.FINISHED
    assert _seats(world.group) == 0
    assert clock.applications_finish_ended(today=datetime.date(2027, 1, 1)) == 0


def test_the_tick_command_expires_activates_and_can_run_twice(world, time_machine, capsys):
    expiring = application_accepted(world)
    starting = contract_made(world, child=child_make(world.parent), group=_future_group(world))
    time_machine.move_to(datetime.datetime(2026, 11, 2, 7, 0, tzinfo=datetime.UTC), tick=False)
    call_command("enrollment_tick")
    assert "оферт истекло: 1; начали обучение: 1" in capsys.readouterr().out
    call_command("enrollment_tick")
    assert "оферт истекло: 0; начали обучение: 0" in capsys.readouterr().out
    assert _status(expiring) == ApplicationStatus.EXPIRED
    assert _status(starting.application) == ApplicationStatus.ACTIVE


def test_seats_taken_always_equal_the_applications_that_hold_one(world, time_machine):
    group = group_make(world.program, world.teacher, capacity=2, auto_accept=True)
    children = [child_make(world.parent) for _ in range(5)]
    applications = [
        services.application_submit(parent=world.parent, child_id=c.pk, group_id=group.pk)
        for c in children
    ]
    services.application_cancel(parent=world.parent, application=applications[0])
    services.application_reject(actor=world.admin, application=applications[1], reason="Нет")
    services.contract_accept(parent=world.parent, application=applications[2])
    time_machine.move_to(timezone.now() + datetime.timedelta(days=6), tick=False)
    clock.enrollment_tick()
    holding = Application.objects.filter(group=group, status__in=SEAT_STATUSES).count()
    assert _seats(group) == holding == 2
