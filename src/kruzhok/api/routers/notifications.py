"""Everyone's notifications: what the cabinet's bell shows."""

import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kruzhok.api.auth import principal
from kruzhok.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, keyset_page
from kruzhok.api.problems import Problem
from kruzhok.notifications.selectors import notification_list
from kruzhok.notifications.services import notification_mark_read

router = Router(tags=["Уведомления"])

ERRORS = frozenset({401, 403, 404, 422, 429})
IdPath = Annotated[int, Field(ge=1, le=2**31 - 1)]


class NotificationOut(Schema):
    id: int
    subject: str
    body: str
    link: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class NotificationFilters(Schema):
    unread_only: bool = False
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=500)


@router.get("", response={200: NotificationPage, ERRORS: Problem}, summary="Мои уведомления")
def notification_page(
    request: HttpRequest, filters: Query[NotificationFilters]
) -> NotificationPage:
    """Newest first."""
    caller = principal(request)
    rows_all = notification_list(user=caller.user)
    unread = rows_all.filter(read_at=None).count()
    rows = rows_all.filter(read_at=None) if filters.unread_only else rows_all
    page, next_cursor = keyset_page(
        rows, order=("-pk",), kinds=(int,), limit=filters.limit, cursor=filters.cursor
    )
    return NotificationPage(
        items=[
            NotificationOut(
                id=n.pk,
                subject=n.subject,
                body=n.body,
                link=n.link,
                created_at=n.created_at,
                read_at=n.read_at,
            )
            for n in page
        ],
        next_cursor=next_cursor,
        unread=unread,
    )


class MarkedRead(Schema):
    marked: int


@router.post(
    "/{notification_id}/read", response={200: MarkedRead, ERRORS: Problem}, summary="Прочитано"
)
def notification_read(request: HttpRequest, notification_id: IdPath) -> MarkedRead:
    caller = principal(request)
    return MarkedRead(
        marked=notification_mark_read(user=caller.user, notification_id=notification_id)
    )
