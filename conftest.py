"""Suite-wide pytest configuration: tests marked `postgres` run only on PostgreSQL."""

import pytest
from django.db import connection


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = connection.vendor == "postgresql"
    skip = pytest.mark.skip(reason="needs PostgreSQL (make test runs it there too)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture
def frozen_now(time_machine):  # type: ignore[no-untyped-def]
    """Freeze the clock at Thursday 15.10.2026, 18:00 in Moscow (see enrollment.tests.world)."""
    from kruzhok.enrollment.tests.world import NOW

    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def world(db, frozen_now):  # type: ignore[no-untyped-def]
    """A municipality with a financing program, a provider, a published program with a group
    meeting on Tuesdays and Thursdays, and a parent with a 10-year-old child."""
    from kruzhok.enrollment.tests.world import world_make

    return world_make()


@pytest.fixture(autouse=True)
def _cache_cleared() -> None:
    """Every test starts with an empty cache: cached catalogue cards and search matches of
    one test must not leak into the next (they live in this process's memory), nor pages kept
    for anonymous visitors."""
    from django.core.cache import caches

    for cache in caches.all(initialized_only=False):
        cache.clear()
