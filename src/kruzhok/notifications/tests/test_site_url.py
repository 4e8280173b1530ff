"""One setting, KRUZHOK_SITE_URL, is the portal's public address in every letter's links."""

import os
import subprocess
import sys

import pytest
from django.core import mail
from django.core.management import call_command

from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.notifications.services import notify


@pytest.mark.django_db(transaction=False)
def test_a_notification_letter_links_to_the_public_address(settings):
    settings.KRUZHOK_SITE_URL = "https://kruzhok.neftekumsk.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notify(user=UserFactory.create(), subject="Заявка принята", body="Текст.", link="/cabinet/")

    call_command("notifications_send")

    [letter] = mail.outbox
    assert "https://kruzhok.neftekumsk.example/cabinet/" in letter.body
    assert "127.0.0.1" not in letter.body


def _settings_in_production(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in ("KRUZHOK_SITE_URL", "KRUZHOK_ENV")
    }
    environment.update(
        KRUZHOK_ENV="production",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="kruzhok.example",
        DJANGO_EMAIL_HOST="smtp.kruzhok.example",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", "import kruzhok.settings as s; print(s.KRUZHOK_SITE_URL)"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_the_public_address():
    result = _settings_in_production()

    assert result.returncode != 0
    assert "KRUZHOK_SITE_URL must be set" in result.stderr


def test_production_takes_the_public_address_without_a_trailing_slash():
    result = _settings_in_production(KRUZHOK_SITE_URL="https://kruzhok.example/")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "https://kruzhok.example"
