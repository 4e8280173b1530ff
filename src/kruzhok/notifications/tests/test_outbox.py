import logging
import socket

import pytest
from django.core import mail
from django.core.mail import send_mail
from django.test import Client

from kruzhok.accounts.tests.factories import MunicipalityFactory
from kruzhok.notifications.models import Letter
from kruzhok.notifications.outbox import OUTBOX_BACKEND
from kruzhok.notifications.services import letter_emails_send

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def outbox_to_a_dead_mail_server(settings):
    """The production arrangement: the outbox in front, SMTP behind it, and no mail server."""
    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    settings.KRUZHOK_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        _closed_port(),
        2,
    )


def test_with_the_mail_server_down_registration_answers_and_the_letter_waits(
    outbox_to_a_dead_mail_server, settings, caplog
):
    municipality = MunicipalityFactory.create()
    response = Client().post(
        "/accounts/register/",
        {
            "last_name": "Иванова",
            "first_name": "Мария",
            "email": "ivanova@mail.ru",
            "phone": "+79001234567",
            "municipality": municipality.pk,
            "password1": "Kruzhok-2026-parol",
            "password2": "Kruzhok-2026-parol",
            "consent": "on",
        },
    )

    assert response.status_code == 302
    letter = Letter.objects.get()
    assert letter.recipients == ["ivanova@mail.ru"]
    assert "/accounts/confirm/" in letter.body
    with caplog.at_level(logging.ERROR):
        assert letter_emails_send() == 0
    letter.refresh_from_db()
    assert letter.sent_at is None and letter.error == ""

    settings.KRUZHOK_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert letter_emails_send() == 1
    assert mail.outbox[0].to == ["ivanova@mail.ru"]
    assert "/accounts/confirm/" in mail.outbox[0].body
    letter.refresh_from_db()
    assert letter.sent_at is not None
    # The link lets someone in: once it has left, the database keeps no copy.
    assert letter.body == ""


def test_the_worker_never_delivers_into_the_outbox_itself(settings):
    settings.EMAIL_BACKEND = OUTBOX_BACKEND
    settings.KRUZHOK_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_mail("Тема", "Текст", None, ["ivanova@mail.ru"])

    assert letter_emails_send() == 1
    assert Letter.objects.count() == 1
    assert len(mail.outbox) == 1
