import logging
import sys

import pytest
from django.urls import reverse

from kruzhok.accounts import services
from kruzhok.accounts.log_masking import MaskingFilter, mask_secrets
from kruzhok.accounts.tests.factories import UserFactory


def test_an_email_is_masked_to_its_first_letter_and_domain():
    assert mask_secrets("login by ivanova.m@mail.ru failed") == "login by i***@mail.ru failed"


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/confirm/eyJ1c2VyIjo1fQ:1tQ:abc/",
        "/provider/invitations/eyJpIjoxfQ:1tQ:xyz/",
        "/accounts/password/reset/MQ/cz1abc-123/",
        "/accounts/profile/email/confirm/eyJ1IjoxfQ:1tQ:abc/",
        "/cabinet/children/invitations/eyJpIjoxfQ:1tQ:xyz/",
        "/cabinet/calendar/eyJ-not-a-signature_but-a-random-key-43chars.ics",
    ],
)
def test_the_token_of_a_link_that_lets_in_is_masked(path):
    masked = mask_secrets(f'"GET {path} HTTP/1.1" 302')

    assert "***" in masked
    assert "eyJ" not in masked and "cz1abc" not in masked


@pytest.mark.parametrize("snils", ["11223344595", "112-233-445 95", "112-233-445%2095"])
def test_anything_like_a_snils_is_masked(snils):
    assert "445" not in mask_secrets(f"GET /search/?q={snils}")


def test_the_log_keeps_no_email_and_no_confirmation_token(db, client, caplog):
    user = UserFactory.create(email="ivanova@mail.ru", email_confirmed_at=None)
    token = services.user_email_confirmation_token(user=user)
    # The handlers settings.LOGGING installs: each passes its records through the filter.
    handlers = [
        handler
        for name in ("", "django", "django.server")
        for handler in logging.getLogger(name).handlers
        if any(isinstance(f, MaskingFilter) for f in handler.filters)
    ]
    assert len(handlers) == 3
    with caplog.at_level(logging.INFO):
        client.post(reverse("accounts:login"), {"username": user.email, "password": "no"})
        logging.getLogger("django.request").warning(
            "Not Found: %s", reverse("accounts:confirm_email", kwargs={"token": token})
        )
    for record in caplog.records:
        handlers[0].filter(record)

    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "AXES" in text
    assert "ivanova@mail.ru" not in text
    assert token not in text


def test_a_traceback_in_the_log_is_masked_too():
    try:
        raise ConnectionError("cannot deliver to ivanova@mail.ru")
    except ConnectionError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())

    MaskingFilter().filter(record)

    text = logging.Formatter().format(record)
    assert "ConnectionError" in text
    assert "ivanova@mail.ru" not in text
