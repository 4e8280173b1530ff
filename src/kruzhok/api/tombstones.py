"""Every deletion of a synced catalogue object leaves a tombstone, whoever deletes it (a
group's schedule rewritten, stale lessons dropped, the superuser's admin), so that a client
asking for changes `updated_since` learns to drop it too."""

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete

from kruzhok.catalog.models import Group, Lesson, Program, ScheduleSlot

KINDS: dict[type[Model], str] = {
    Program: "program",
    Group: "group",
    Lesson: "lesson",
    ScheduleSlot: "schedule",
}


def _bury(sender: type[Model], instance: Model, **_: Any) -> None:
    from kruzhok.api.models import Tombstone

    Tombstone.objects.create(kind=KINDS[sender], object_id=instance.pk)


def connect() -> None:
    for model in KINDS:
        post_delete.connect(_bury, sender=model, dispatch_uid=f"api-tombstone-{model.__name__}")
