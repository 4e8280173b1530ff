"""A database of the layout before the apps were put in layers migrates to today's layout.

The models that changed app kept their tables, so the demo loaded now and the database then
migrated back to the old layout is exactly a database of that layout with the demo in it: the
test checks that the old layout's models see every row, migrates forward again, and finds every
row, the content types and the audit log's labels relabelled (permissions follow them) and
`kruzhok ledger check` clean.
"""

from collections.abc import Iterator

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import override_settings

from kruzhok.accounts.models import Role, User
from kruzhok.attendance.lessons import lesson_cancel
from kruzhok.catalog.models import Lesson, LessonStatus
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.common.models import AuditEvent
from kruzhok.demo.load import demo_load
from kruzhok.providers.invitations import staff_invite
from kruzhok.providers.joining import provider_join
from kruzhok.providers.models import ProviderStaff, StaffRole
from kruzhok.providers.moderation import provider_reject
from kruzhok.providers.tests.data import join_arguments

# The last migration of each app before the move, and where each moved model lived then.
# The providers app had no migration then: it is unapplied with catalog's 0004, which its
# 0001 follows.
OLD_LAYOUT = [
    ("attendance", "0002_lessonchange"),
    ("billing", "0002_monthclosure"),
    ("catalog", "0003_provider_cabinet"),
    ("certificates", "0002_transfers_append_only"),
    ("enrollment", "0002_life_cycle_and_enrollment_windows"),
]
MOVED = {
    # model: (app before, app now)
    "charge": ("billing", "enrollment"),
    "lessonchange": ("attendance", "catalog"),
    "provider": ("catalog", "providers"),
    "providermoderationevent": ("catalog", "providers"),
    "providerstaff": ("catalog", "providers"),
    "staffinvitation": ("catalog", "providers"),
}
# Moved models the audit log writes about: it names them by label, and the labels follow them.
AUDITED = ["provider", "staffinvitation"]


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
        # Nor does it invite anyone or decide on a provider: one invitation, and a provider
        # that joins and is refused, so that every moved table has rows.
        admin = ProviderStaff.objects.filter(role=StaffRole.ADMIN).order_by("pk").first()
        assert admin is not None
        staff_invite(
            provider=admin.provider, inviter=admin.user, email="new@mail.ru", role=StaffRole.TEACHER
        )
        operator = User.objects.filter(role=Role.OPERATOR).order_by("pk").first()
        assert operator is not None and operator.municipality is not None
        joined = provider_join(**join_arguments(operator.municipality))
        provider_reject(operator=operator, provider=joined.provider, reason="Нет лицензии.")
    counts = {}
    for model, (_, now) in MOVED.items():
        counts[model] = (
            ContentType.objects.get(app_label=now, model=model)
            .model_class()
            ._default_manager.count()
        )  # type: ignore[union-attr]
    for model in AUDITED:
        now = MOVED[model][1]
        counts[f"audit:{model}"] = AuditEvent.objects.filter(object_type=f"{now}.{model}").count()
    yield counts
    # Whatever happened, leave the database at today's layout for the tests that follow.
    _migrate(_executor().loader.graph.leaf_nodes())


def test_a_database_of_the_old_layout_migrates_with_every_row(demo_database):
    for model in MOVED:
        assert demo_database[model] > 0, f"the database has rows of {model}"
    for model in AUDITED:
        assert demo_database[f"audit:{model}"] > 0, f"the audit log has rows about {model}"

    _migrate(OLD_LAYOUT)
    old_apps = _executor().loader.project_state(OLD_LAYOUT).apps
    for model, (before, now) in MOVED.items():
        assert old_apps.get_model(before, model).objects.count() == demo_database[model]
        assert ContentType.objects.filter(app_label=before, model=model).exists()
        assert not ContentType.objects.filter(app_label=now, model=model).exists()
    for model in AUDITED:
        before, now = MOVED[model]
        old_label = AuditEvent.objects.filter(object_type=f"{before}.{model}")
        assert old_label.count() == demo_database[f"audit:{model}"]
        assert not AuditEvent.objects.filter(object_type=f"{now}.{model}").exists()

    _migrate(_executor().loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    for model, (before, now) in MOVED.items():
        content_type = ContentType.objects.get(app_label=now, model=model)
        assert content_type.model_class()._default_manager.count() == demo_database[model]  # type: ignore[union-attr]
        assert not ContentType.objects.filter(app_label=before, model=model).exists()
    for model in AUDITED:
        before, now = MOVED[model]
        new_label = AuditEvent.objects.filter(object_type=f"{now}.{model}")
        assert new_label.count() == demo_database[f"audit:{model}"]
        assert not AuditEvent.objects.filter(object_type=f"{before}.{model}").exists()
    assert all(result.ok for result in ledger_audit())
    call_command("ledger", "check")
