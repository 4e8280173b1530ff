from typing import Any

from django.db import models
from django.db.models import F

from kruzhok.common.models import AuditEvent, NumberSequence, audit_details


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    ip_address: str | None = None,
    **details: Any,
) -> AuditEvent:
    """Record an action; call it inside the transaction that makes the change."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        details=audit_details(**details),
        ip_address=ip_address,
    )


def sequence_next(*, name: str) -> int:
    """The next value of a named gapless counter; call it inside the transaction that uses it.

    The row lock (PostgreSQL) or the IMMEDIATE transaction (SQLite) serialises callers.
    """
    NumberSequence.objects.get_or_create(name=name)
    NumberSequence.objects.filter(name=name).update(last_value=F("last_value") + 1)
    return NumberSequence.objects.values_list("last_value", flat=True).get(name=name)
