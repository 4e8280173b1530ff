"""The audit log as the operator reads it: the filters, each row in Russian with its details,
and the XLSX of what the filters select."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from openpyxl import Workbook

from kruzhok.accounts.models import User
from kruzhok.common.models import AuditEvent
from kruzhok.common.selectors import (
    AUDIT_ACTION_LABELS,
    audit_action_label,
    audit_details_display,
    audit_event_list,
    audit_object_label,
    audit_object_types,
)
from kruzhok.common.xlsx import BOLD, header_write, text_write, workbook_bytes
from kruzhok.oversight.forms import AuditFilter
from kruzhok.oversight.selectors import audit_actor_ids


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    action: str
    object: str
    details: list[tuple[str, str]]

    @property
    def actor_name(self) -> str:
        actor = self.event.actor
        return actor.full_name if actor is not None else "портал (автоматически)"

    @property
    def actor_role(self) -> str:
        actor = self.event.actor
        return str(actor.get_role_display()) if actor is not None else ""


def audit_filtered(
    *, user: User, query: QueryDict
) -> tuple[AuditFilter, QuerySet[AuditEvent] | None]:
    """The filter form and the events it selects within what `user` may read (None when the
    filters are wrong: the form says what to fix)."""
    form = AuditFilter(
        query or None, actions=list(AUDIT_ACTION_LABELS), object_types=audit_object_types()
    )
    if query and not form.is_valid():
        return form, None
    data = form.cleaned_data if query else {}
    events = audit_event_list(
        actor_ids=audit_actor_ids(user=user),
        action=data.get("action") or "",
        object_type=data.get("object_type") or "",
        day_from=data.get("day_from"),
        day_to=data.get("day_to"),
    )
    return form, events


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    return [
        AuditRow(
            event=event,
            action=audit_action_label(event.action),
            object=audit_object_label(event.object_type),
            details=audit_details_display(event.details),
        )
        for event in events
    ]


def audit_xlsx(*, events: Iterable[AuditEvent], caption: str) -> bytes:
    """The journal's rows as a workbook; every text cell is text, never a formula."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Журнал действий"
    text_write(ws, 1, 1, caption).font = BOLD
    text_write(ws, 2, 1, f"выгружено {timezone.localtime():%d.%m.%Y %H:%M}")
    header_write(
        ws,
        3,
        ["Когда", "Кто", "Роль", "Действие", "Объект", "Номер объекта", "Подробности"],
        [17, 32, 22, 36, 28, 14, 60],
    )
    for row_number, event in enumerate(events, start=4):
        (row,) = audit_rows([event])
        when = ws.cell(row=row_number, column=1)
        when.value = timezone.localtime(event.created_at).replace(tzinfo=None)
        when.number_format = "DD.MM.YYYY HH:MM"
        text_write(ws, row_number, 2, row.actor_name)
        text_write(ws, row_number, 3, row.actor_role)
        text_write(ws, row_number, 4, row.action)
        text_write(ws, row_number, 5, row.object.capitalize())
        text_write(ws, row_number, 6, event.object_id)
        text_write(ws, row_number, 7, "; ".join(f"{k}: {v}" for k, v in row.details))
    return workbook_bytes(wb)


def audit_caption(day_from: datetime.date | None, day_to: datetime.date | None) -> str:
    span = ""
    if day_from:
        span += f" с {day_from:%d.%m.%Y}"
    if day_to:
        span += f" по {day_to:%d.%m.%Y}"
    return f"Журнал действий{span}"
