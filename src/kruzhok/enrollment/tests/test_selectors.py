"""Reads: the parent's application, schedule clashes, the next step, the provider's queue,
working days."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from kruzhok.catalog import groups as catalog_groups
from kruzhok.certificates.models import Certificate
from kruzhok.enrollment import clock, services
from kruzhok.enrollment.models import ApplicationStatus
from kruzhok.enrollment.selectors import (
    application_get_for_parent,
    application_next_step,
    application_queue_for_staff,
    schedule_clashes,
)
from kruzhok.enrollment.tests.world import (
    application_accepted,
    contract_made,
    group_make,
    program_make,
    user_make,
)
from kruzhok.enrollment.workdays import working_day_add


def test_the_parents_application_comes_with_all_its_page_shows_in_two_queries(
    world, django_assert_num_queries
):
    contract = contract_made(world)
    certificate = Certificate.objects.get(child=world.child)
    with django_assert_num_queries(2):
        application = application_get_for_parent(user=world.parent, pk=contract.application_id)
    with django_assert_num_queries(0):
        assert application.contract == contract
        assert application.child == world.child
        assert application.child.certificate == certificate
        assert application.group == world.group
        assert application.group.program.title == world.program.title
        assert application.group.program.provider.short_name == world.provider.short_name
        assert application.group.teacher.last_name == world.teacher.last_name


def test_absent_relations_of_the_application_cost_no_query(world, django_assert_num_queries):
    application = application_accepted(world)
    read = application_get_for_parent(user=world.parent, pk=application.pk)
    with django_assert_num_queries(0):
        assert getattr(read, "contract", None) is None
        assert getattr(read.child, "certificate", None) is None


def test_another_familys_application_is_not_found(world):
    application = application_accepted(world)
    with pytest.raises(Http404):
        application_get_for_parent(user=user_make(), pk=application.pk)
    with pytest.raises(Http404):
        application_get_for_parent(user=world.parent, pk=10**9)


def _group(world, schedule, start=datetime.date(2026, 9, 1), end=datetime.date(2026, 12, 24)):
    return catalog_groups.group_create(
        program=program_make(world.provider, title="Шахматы"),
        name="Шахматы 1",
        capacity=5,
        start_date=start,
        end_date=end,
        schedule=schedule,
    )


def test_overlapping_times_on_the_same_weekday_are_a_clash(world):
    # The world's group meets on Tuesdays and Thursdays 15:00–16:30 (2 × 45 min).
    chess = _group(world, [(1, datetime.time(16, 0), 1)])
    contract_made(world, group=chess)
    warnings = schedule_clashes(child=world.child, group=world.group)
    assert warnings == ["Вторник: здесь 15:00–16:30, а в «Шахматы» (Шахматы 1) 16:00–16:45."]


def test_back_to_back_lessons_and_other_weekdays_are_no_clash(world):
    contract_made(world, group=_group(world, [(1, datetime.time(16, 30), 2)]))
    contract_made(world, group=_group(world, [(2, datetime.time(15, 0), 2)]))
    assert schedule_clashes(child=world.child, group=world.group) == []


def test_groups_in_different_periods_never_clash(world):
    later = _group(
        world,
        [(1, datetime.time(15, 0), 2)],
        start=datetime.date(2027, 1, 11),
        end=datetime.date(2027, 5, 25),
    )
    application_accepted(world, group=later)
    assert schedule_clashes(child=world.child, group=world.group) == []


def test_only_live_applications_in_other_groups_clash(world, django_assert_num_queries):
    chess = _group(world, [(1, datetime.time(16, 0), 1)])
    application = application_accepted(world, group=chess)
    application_accepted(world)  # the group itself never clashes with itself
    with django_assert_num_queries(2):  # this group's slots, then the others' with names
        assert len(schedule_clashes(child=world.child, group=world.group)) == 1
    services.application_cancel(parent=world.parent, application=application)
    assert schedule_clashes(child=world.child, group=world.group) == []


def test_a_clash_is_a_warning_not_a_refusal(world):
    chess = _group(world, [(3, datetime.time(15, 30), 1)])
    contract_made(world, group=chess)
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    assert application.status == ApplicationStatus.SUBMITTED
    assert len(schedule_clashes(child=world.child, group=world.group)) == 1


def test_every_state_has_a_next_step(world, time_machine):
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    assert application_next_step(application=application).text.startswith(
        "Заявку рассматривает организация до 20.10.2026"
    )
    application = services.application_accept(actor=world.admin, application=application)
    step = application_next_step(application=application)
    assert step.is_action and "до 20.10.2026 в 18:00" in step.text
    time_machine.move_to(timezone.now() + datetime.timedelta(days=6), tick=False)
    assert "истёк" in application_next_step(application=application).text
    clock.offers_expire()
    application.refresh_from_db()
    assert "передано следующему" in application_next_step(application=application).text


def test_the_next_step_of_a_contract_says_when_lessons_start(world):
    future = group_make(world.program, world.teacher, start=datetime.date(2026, 11, 2))
    contract = contract_made(world, group=future)
    text = application_next_step(application=contract.application).text
    assert text == "Договор заключён. Занятия начнутся 02.11.2026 по расписанию группы."


def test_the_queue_marks_and_filters_applications_not_answered_in_three_working_days(
    world, time_machine
):
    old = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    time_machine.move_to(datetime.datetime(2026, 10, 21, 9, 0, tzinfo=datetime.UTC), tick=False)
    fresh = services.application_submit(
        parent=world.parent,
        child_id=world.child.pk,
        group_id=group_make(program_make(world.provider, title="Шахматы"), world.teacher).pk,
    )
    queue = {a.pk: a.is_overdue for a in application_queue_for_staff(user=world.admin)}
    assert queue == {old.pk: True, fresh.pk: False}
    overdue = application_queue_for_staff(user=world.admin, overdue=True)
    assert [a.pk for a in overdue] == [old.pk]


def test_working_days_skip_weekends_holidays_and_count_moved_saturdays():
    assert working_day_add(datetime.date(2026, 10, 15), 3) == datetime.date(2026, 10, 20)
    assert working_day_add(datetime.date(2026, 12, 30), 1) == datetime.date(2027, 1, 11)
    # Saturday 20.02.2027 is a working day moved from Monday 22.02.
    assert working_day_add(datetime.date(2027, 2, 19), 1) == datetime.date(2027, 2, 20)
