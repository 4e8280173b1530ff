from typing import Any

from django.db import models

from kruzhok.common.models import AuditEvent, audit_details


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
