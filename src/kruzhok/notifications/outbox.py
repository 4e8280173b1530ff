"""The outbox as Django's e-mail backend: every `send_mail` of the portal (and of Django's own
password reset) becomes a `Letter` row written in the caller's transaction, so a request never
waits for a mail server and a rolled-back change sends nothing. `notifications.services`
delivers the rows through the real backend, KRUZHOK_EMAIL_DELIVERY_BACKEND."""

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from kruzhok.notifications.models import Letter

OUTBOX_BACKEND = "kruzhok.notifications.outbox.OutboxBackend"


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        letters = [_letter(message) for message in email_messages if message.to]
        Letter.objects.bulk_create(letters)
        return len(letters)


def _letter(message: EmailMessage) -> Letter:
    if message.attachments or message.cc or message.bcc:
        # Nothing the portal mails has them; a letter must not lose one silently.
        raise ValueError("the outbox keeps plain letters: no attachments, copies or blind copies")
    html = ""
    if isinstance(message, EmailMultiAlternatives):
        html = next((str(c) for c, mimetype in message.alternatives if mimetype == "text/html"), "")
    return Letter(
        from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
        recipients=list(message.to),
        subject=str(message.subject),
        body=str(message.body),
        html_body=html,
    )


def delivery_backend() -> str:
    """The backend that really sends: the configured one, never the outbox itself."""
    if settings.EMAIL_BACKEND != OUTBOX_BACKEND:
        # Tests (and a deployment that wants no outbox) configure a direct backend.
        return str(settings.EMAIL_BACKEND)
    return str(settings.KRUZHOK_EMAIL_DELIVERY_BACKEND)
