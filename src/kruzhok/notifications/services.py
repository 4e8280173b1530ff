"""Notifications: a row in the cabinet now, an e-mail after the transaction commits.

The row is also the letter's queue (an outbox): `notify` writes it inside the transaction that
makes the change, so a rolled-back change leaves neither an entry nor a letter, and the
request that made the change spends nothing on mail. `notification_emails_send`, run by the
`kruzhok notifications_send --loop` worker, sends what is committed and not yet sent, in
batches over one mail connection.
"""

import logging
import smtplib

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.notifications.models import Letter, Notification
from kruzhok.notifications.outbox import delivery_backend
from kruzhok.notifications.selectors import unread_key

logger = logging.getLogger(__name__)


def _unread_changed(user_id: int) -> None:
    """The user's unread count kept for the badge is forgotten once the change is committed
    (before it, other requests rightly count what is committed)."""
    transaction.on_commit(lambda: cache.delete(unread_key(user_id)))


def notify(*, user: User, subject: str, body: str, link: str = "") -> Notification:
    """Tell a person about a change. Call it inside the transaction that makes the change:
    if it rolls back, neither the cabinet entry nor the e-mail exists."""
    notification = Notification.objects.create(user=user, subject=subject, body=body, link=link)
    _unread_changed(user.pk)
    return notification


def _letter(notification: Notification) -> EmailMessage:
    text = notification.body
    if notification.link:
        text += f"\n\n{settings.KRUZHOK_SITE_URL.rstrip('/')}{notification.link}"
    return EmailMessage(
        subject=f"Кружок: {notification.subject}", body=text, to=[notification.user.email]
    )


# A letter the server refuses for good (a bad address) is set aside; anything else (the server
# is down or hangs up) leaves the rest of the batch queued for the next pass.
PERMANENT_FAILURES = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)


def notification_emails_send(*, batch: int = 100) -> int:
    """E-mail up to `batch` committed notifications not yet e-mailed, oldest first, over one
    mail connection; returns how many were sent.

    Workers may run side by side: each takes rows no other has locked (SKIP LOCKED on
    PostgreSQL). When the mail server is unreachable the letters stay queued for the next
    call; a letter it refuses for good keeps the reason and is not retried. A letter handed
    over is sent again only if the worker dies before its commit (at least once, never lost).
    """
    with transaction.atomic():
        queued = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(emailed_at=None, email_error="")
            .select_related("user")
            .order_by("pk")[:batch]
        )
        if not queued:
            return 0
        sent: list[int] = []
        try:
            with get_connection(delivery_backend()) as mail:
                for notification in queued:
                    try:
                        mail.send_messages([_letter(notification)])
                    except PERMANENT_FAILURES as error:
                        logger.warning("notification %s: letter refused", notification.pk)
                        notification.email_error = str(error)[:300]
                        notification.save(update_fields=["email_error"])
                    else:
                        sent.append(notification.pk)
        except (OSError, smtplib.SMTPException):
            logger.exception("notification e-mails: %d of %d sent", len(sent), len(queued))
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
        return len(sent)


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's notifications read; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    changed = unread.update(read_at=timezone.now())
    if changed:
        _unread_changed(user.pk)
    return changed


def letter_emails_send(*, batch: int = 100) -> int:
    """Deliver up to `batch` committed letters of the outbox (`notifications.outbox`), oldest
    first, over one mail connection; returns how many were sent.

    The same guarantees as `notification_emails_send`. A sent letter's body is erased: it
    carries a link that confirms an address or lets someone in, and the database keeps no
    such link once it has reached the mail server.
    """
    with transaction.atomic():
        queued = list(
            Letter.objects.select_for_update(skip_locked=True)
            .filter(sent_at=None, error="")
            .order_by("pk")[:batch]
        )
        if not queued:
            return 0
        sent: list[int] = []
        try:
            with get_connection(delivery_backend()) as mail:
                for letter in queued:
                    try:
                        mail.send_messages([_outbox_letter(letter)])
                    except PERMANENT_FAILURES as error:
                        logger.warning("letter %s: refused by the mail server", letter.pk)
                        letter.error = str(error)[:300]
                        letter.body = letter.html_body = ""
                        letter.save(update_fields=["error", "body", "html_body"])
                    else:
                        sent.append(letter.pk)
        except (OSError, smtplib.SMTPException):
            logger.exception("letters: %d of %d sent", len(sent), len(queued))
        Letter.objects.filter(pk__in=sent).update(sent_at=timezone.now(), body="", html_body="")
        return len(sent)


def _outbox_letter(letter: Letter) -> EmailMessage:
    message = EmailMultiAlternatives(
        subject=letter.subject,
        body=letter.body,
        from_email=letter.from_email,
        to=list(letter.recipients),
    )
    if letter.html_body:
        message.attach_alternative(letter.html_body, "text/html")
    return message
