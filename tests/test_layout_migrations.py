"""A database of the layout before the apps were put in layers migrates to today's layout.

The models that changed app kept their tables, so the demo loaded now and the database then
migrated back to the old layout is exactly a database of that layout with the demo in it: the
test checks that the old layout's models see every row, migrates forward again, and finds every
row, the content types relabelled (permissions follow them) and `kruzhok ledger check` clean.
"""

from collections.abc import Iterator

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import override_settings

from kruzhok.attendance.lessons import lesson_cancel
from kruzhok.catalog.models import Lesson, LessonStatus
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.demo.load import demo_load

# The last migration of each app before the move, and where each moved model lived then.
OLD_LAYOUT = [
    ("attendance", "0002_lessonchange"),
    ("billing", "0002_monthclosure"),
    ("catalog", "0003_provider_cabinet"),
    ("enrollment", "0002_life_cycle_and_enrollment_windows"),
]
MOVED = {
    # model: (app before, app now)
    "charge": ("billing", "enrollment"),
    "lessonchange": ("attendance", "catalog"),
}


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = _executor()
    executor.migrate(targets)


@pytest.fixture
def demo_database(transactional_db: None) -> Iterator[dict[str, int]]:
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        demo_load()
        # The demo moves no lesson: cancel one, so that the moved LessonChange has a row.
        lesson = (
            Lesson.objects.filter(status=LessonStatus.PLANNED, group__teacher__isnull=False)
            .exclude(marks__present=True)
            .order_by("date", "pk")
            .first()
        )
        assert lesson is not None and lesson.group.teacher is not None
        lesson_cancel(actor=lesson.group.teacher, lesson=lesson, reason="Педагог на курсах")
    counts = {}
    for model, (_, now) in MOVED.items():
        counts[model] = (
            ContentType.objects.get(app_label=now, model=model)
            .model_class()
            ._default_manager.count()
        )  # type: ignore[union-attr]
    yield counts
    # Whatever happened, leave the database at today's layout for the tests that follow.
    _migrate(_executor().loader.graph.leaf_nodes())


def test_a_database_of_the_old_layout_migrates_with_every_row(demo_database):
    assert demo_database["charge"] > 0, "the demo has charged lessons"
    assert demo_database["lessonchange"] > 0, "the demo has a cancelled or moved lesson"

    _migrate(OLD_LAYOUT)
    old_apps = _executor().loader.project_state(OLD_LAYOUT).apps
    for model, (before, _) in MOVED.items():
        assert old_apps.get_model(before, model).objects.count() == demo_database[model]
        assert ContentType.objects.filter(app_label=before, model=model).exists()

    _migrate(_executor().loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    for model, (before, now) in MOVED.items():
        content_type = ContentType.objects.get(app_label=now, model=model)
        assert content_type.model_class()._default_manager.count() == demo_database[model]  # type: ignore[union-attr]
        assert not ContentType.objects.filter(app_label=before, model=model).exists()
    assert all(result.ok for result in ledger_audit())
    call_command("ledger", "check")
