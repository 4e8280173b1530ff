"""Seats under real concurrency: PostgreSQL only (SQLite serialises writers anyway)."""

import threading
import time

import pytest
from django.db import connection, transaction

from kruzhok.catalog import seats
from kruzhok.catalog.models import Group
from kruzhok.catalog.tests.factories import GroupFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_at_once(n: int, work) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_twenty_parents_racing_for_five_seats_get_exactly_five():
    group = GroupFactory.create(capacity=5)

    taken = run_at_once(20, lambda: seats.group_seat_take(group_id=group.pk))

    assert taken.count(True) == 5
    assert Group.objects.get(pk=group.pk).seats_taken == 5


def test_racing_releases_never_go_below_zero():
    group = GroupFactory.create(capacity=5)
    for _ in range(3):
        seats.group_seat_take(group_id=group.pk)

    def release() -> bool:
        try:
            seats.group_seat_release(group_id=group.pk)
        except seats.NothingToRelease:
            return False
        return True

    released = run_at_once(10, release)

    assert released.count(True) == 3
    assert Group.objects.get(pk=group.pk).seats_taken == 0


def test_a_locked_group_keeps_its_free_seats_until_the_lock_holder_commits():
    group = GroupFactory.create(capacity=2)
    locked, taken_at = threading.Event(), []
    committed_at: list[float] = []

    def holder() -> None:
        try:
            with transaction.atomic():
                assert seats.group_seats_lock(group_id=group.pk) == 2
                locked.set()
                time.sleep(0.3)
                committed_at.append(time.monotonic())
        finally:
            connection.close()

    def taker() -> None:
        try:
            locked.wait()
            with transaction.atomic():
                assert seats.group_seat_take(group_id=group.pk)
            taken_at.append(time.monotonic())
        finally:
            connection.close()

    threads = [threading.Thread(target=holder), threading.Thread(target=taker)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken_at[0] >= committed_at[0]
    assert Group.objects.get(pk=group.pk).seats_taken == 1
