"""Seats and the waiting line under real concurrency: PostgreSQL, real threads, real connections."""

import itertools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from kruzhok.common.models import AuditEvent
from kruzhok.enrollment import services
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.enrollment.selectors import waitlist, waitlist_position
from kruzhok.enrollment.tests.world import (
    NOW,
    TODAY,
    child_make,
    group_make,
    program_make,
    world_make,
)
from kruzhok.notifications.models import Notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ticking_clock(time_machine):
    # The clock runs (from the world's Thursday) so that created_at tells who came first.
    time_machine.move_to(NOW, tick=True)


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at once; results (or exceptions) in call order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results


def test_fifty_parents_racing_for_the_last_three_seats(ticking_clock):
    world = world_make()
    group = group_make(world.program, world.teacher, capacity=10, auto_accept=True)
    for _ in range(7):
        services.application_submit(
            parent=world.parent, child_id=child_make(world.parent).pk, group_id=group.pk
        )
    racers = [child_make(world.parent) for _ in range(50)]

    results = run_together(
        [
            (
                lambda c=c: services.application_submit(
                    parent=world.parent, child_id=c.pk, group_id=group.pk
                )
            )
            for c in racers
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    raced = Application.objects.filter(child__in=racers)
    statuses = sorted(raced.values_list("status", flat=True))
    assert statuses.count(ApplicationStatus.ACCEPTED) == 3
    assert statuses.count(ApplicationStatus.WAITLISTED) == 47
    group.refresh_from_db()
    assert group.seats_taken == group.capacity == 10
    # First come, first served: the three seats went to the three who came first, and the
    # waiting line is exactly the order of arrival.
    accepted = list(raced.filter(status=ApplicationStatus.ACCEPTED))
    line = list(waitlist(group=group))
    assert max(a.created_at for a in accepted) < line[0].created_at
    arrival = sorted(line, key=lambda a: a.created_at)
    assert line == arrival
    assert all(a.created_at < b.created_at for a, b in itertools.pairwise(line))
    assert [waitlist_position(application=a) for a in line] == list(range(1, 48))


def test_two_seats_freed_at_the_same_moment_go_to_the_first_two_in_line_once_each(
    ticking_clock,
):
    world = world_make()
    group = group_make(world.program, world.teacher, capacity=2, auto_accept=True)
    contracts = []
    for _ in range(2):
        application = services.application_submit(
            parent=world.parent, child_id=child_make(world.parent).pk, group_id=group.pk
        )
        contracts.append(services.contract_accept(parent=world.parent, application=application))
    waiting = [
        services.application_submit(
            parent=world.parent, child_id=child_make(world.parent).pk, group_id=group.pk
        )
        for _ in range(4)
    ]
    assert [w.status for w in waiting] == [ApplicationStatus.WAITLISTED] * 4

    results = run_together(
        [
            (
                lambda c=c: services.contract_withdraw(
                    actor=world.parent, application=c.application, on=TODAY, reason="Переезд"
                )
            )
            for c in contracts
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = [Application.objects.get(pk=w.pk).status for w in waiting]
    assert statuses == [
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.WAITLISTED,
    ]
    promotions = AuditEvent.objects.filter(action="application_promote")
    assert sorted(int(p.object_id) for p in promotions) == [waiting[0].pk, waiting[1].pk]
    assert Notification.objects.filter(subject="Место освободилось: заявка принята").count() == 2
    group.refresh_from_db()
    assert group.seats_taken == 2


def test_a_double_click_racing_itself_keeps_one_application(ticking_clock):
    world = world_make()
    results = run_together(
        [
            lambda: services.application_submit(
                parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
            )
        ]
        * 4
    )
    refused = [r for r in results if isinstance(r, services.EnrollmentError)]
    assert len(refused) == 3, results
    assert all("уже" in r.message for r in refused), refused
    assert Application.objects.filter(child=world.child).count() == 1


def test_a_double_click_into_an_auto_accept_group_takes_one_seat(ticking_clock):
    world = world_make()
    group = group_make(world.program, world.teacher, capacity=5, auto_accept=True)
    results = run_together(
        [
            lambda: services.application_submit(
                parent=world.parent, child_id=world.child.pk, group_id=group.pk
            )
        ]
        * 6
    )
    made = [r for r in results if isinstance(r, Application)]
    assert len(made) == 1 and made[0].status == ApplicationStatus.ACCEPTED, results
    # The losers' seats went back with their rolled-back transactions.
    group.refresh_from_db()
    assert group.seats_taken == 1


def test_clicks_on_many_programs_at_once_stay_within_the_childs_limit(ticking_clock):
    world = world_make(max_programs_per_child=3)
    groups = [
        group_make(program_make(world.provider, title=f"Программа {n}"), world.teacher)
        for n in range(12)
    ]

    results = run_together(
        [
            (
                lambda g=g: services.application_submit(
                    parent=world.parent, child_id=world.child.pk, group_id=g.pk
                )
            )
            for g in groups
        ]
    )

    made = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, services.EnrollmentError)]
    assert (len(made), len(refused)) == (3, 9), results
    assert all("не более чем по 3" in r.message for r in refused)
    assert Application.objects.filter(child=world.child).count() == 3
