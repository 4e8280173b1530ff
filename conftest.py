"""Suite-wide pytest configuration: tests marked `postgres` run only on PostgreSQL."""

from collections.abc import Iterator
from typing import Any

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


@pytest.fixture(autouse=True, scope="session")
def _jinja2_templates_recorded() -> Iterator[None]:
    """`response.templates` for the Jinja2 pages too. The test client lists what a response drew
    from Django's `template_rendered` signal, which its test environment sends for Django's own
    templates only; here it is sent for a Jinja2 page with its context, and for each template the
    page extends or includes as Jinja2 fetches it while drawing the page (a fetch with a parent)."""
    from django.template import engines
    from django.template.backends.jinja2 import Template
    from django.test.signals import template_rendered

    env = engines["jinja2"].env  # type: ignore[attr-defined]
    render, fetch = Template.render, env.get_template

    def rendered(self: Template, context: Any = None, request: Any = None) -> str:
        template_rendered.send(sender=self, template=self.template, context=context or {})
        return render(self, context, request)

    def fetched(name: Any, parent: str | None = None, globals: Any = None) -> Any:
        template = fetch(name, parent, globals)
        if parent is not None:
            template_rendered.send(sender=env, template=template, context={})
        return template

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Template, "render", rendered)
        patch.setattr(env, "get_template", fetched)
        yield
