"""Notifications: a row in the cabinet now, an e-mail after the transaction commits."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.notifications.models import Notification

logger = logging.getLogger(__name__)


def notify(*, user: User, subject: str, body: str, link: str = "") -> Notification:
    """Tell a person about a change. Call it inside the transaction that makes the change:
    if it rolls back, neither the cabinet entry nor the e-mail exists."""
    notification = Notification.objects.create(user=user, subject=subject, body=body, link=link)
    transaction.on_commit(lambda: _send_email(notification.pk))
    return notification


def _send_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    text = notification.body
    if notification.link:
        text += f"\n\n{settings.KRUZHOK_SITE_URL.rstrip('/')}{notification.link}"
    try:
        send_mail(
            subject=f"Кружок: {notification.subject}",
            message=text,
            from_email=None,
            recipient_list=[notification.user.email],
        )
    except OSError:
        # The cabinet keeps the notification; a failed letter must not break the request.
        logger.exception("notification %s: e-mail not sent", notification_id)
        return
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's notifications read; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
