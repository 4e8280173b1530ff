from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db import models
from django.db.models import F

from kruzhok.common.models import AuditEvent, NumberSequence, audit_details


def _audit_event(
    actor: Any, action: str, obj: models.Model, ip_address: str | None, details: dict[str, Any]
) -> AuditEvent:
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        details=audit_details(**details),
        ip_address=ip_address,
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    ip_address: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Record an action; call it inside the transaction that makes the change."""
    event = _audit_event(actor, action, obj, ip_address, details)
    event.save(force_insert=True)
    return event


class AuditEntry(NamedTuple):
    """One action for `audit_record_many`."""

    actor: Any
    action: str
    obj: models.Model
    details: dict[str, Any] = {}


def audit_record_many(entries: Iterable[AuditEntry]) -> None:
    """Record several actions in one INSERT; call it inside the transaction that makes them."""
    AuditEvent.objects.bulk_create(
        [_audit_event(e.actor, e.action, e.obj, None, e.details) for e in entries]
    )


def sequence_next(*, name: str) -> int:
    """The next value of a named gapless counter; call it inside the transaction that uses it.

    The row lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) serialises callers.
    """
    counter = NumberSequence.objects.filter(name=name)
    if not counter.update(last_value=F("last_value") + 1):
        NumberSequence.objects.get_or_create(name=name)
        counter.update(last_value=F("last_value") + 1)
    return counter.values_list("last_value", flat=True).get()


def sequence_take(*, name: str, count: int) -> range:
    """The next `count` values of a named gapless counter, in order, taken at once; call it
    inside the transaction that uses them (rolled back with it, they are never skipped)."""
    if count <= 0:
        return range(0)
    counter = NumberSequence.objects.filter(name=name)
    if not counter.update(last_value=F("last_value") + count):
        NumberSequence.objects.get_or_create(name=name)
        counter.update(last_value=F("last_value") + count)
    last = counter.values_list("last_value", flat=True).get()
    return range(last - count + 1, last + 1)
