"""Production works as the README documents it: the settings refuse a mail backend that does
not deliver, `kruzhok check --deploy` is clean with the README's variables, static files are
served by the WSGI application itself (WhiteNoise), and every page carries a Content Security
Policy that allows no inline script."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_production_env() -> dict[str, str]:
    """The variables the README's production recipe exports."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Production", 1)[1].split("\n## ", 1)[0]
    env: dict[str, str] = {}
    for line in section.splitlines():
        if line.startswith("export "):
            for name, value in re.findall(r"(\w+)=(\S+)", line):
                env[name] = value
    return env


def _kruzhok(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "KRUZHOK_"))}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "kruzhok.manage", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_readme_production_variables():
    env = _readme_production_env()
    assert env["KRUZHOK_ENV"] == "production"
    # The README shows a placeholder; a real key is long and random, as check --deploy wants.
    env["DJANGO_SECRET_KEY"] = "k" * 10 + "-Zq8#Lm2@Xw5!Rt9$Vb4%Ny7^Hd3&Jf6*Pc1(Gs0)Ku"

    result = _kruzhok(["check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("mail", "complaint"),
    [
        ({}, "DJANGO_EMAIL_HOST must name the mail server"),
        (
            {"DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "does not deliver letters",
        ),
    ],
)
def test_production_refuses_to_start_without_a_mail_server(mail, complaint):
    env = {
        "KRUZHOK_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "kruzhok.example",
        **mail,
    }

    result = _kruzhok(["check"], env)

    assert result.returncode != 0
    assert complaint in result.stderr


def test_static_files_are_collected_as_in_production_and_served_by_the_application(
    settings, tmp_path
):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        # What KRUZHOK_ENV=production uses: a vendored file naming a missing source map, for
        # one, fails collectstatic here.
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.templatetags.static import static

    url = static("vendor/bootstrap/bootstrap.min.css")
    assert re.search(r"bootstrap\.min\.[0-9a-f]{12}\.css$", url)

    response = Client().get(url)

    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert b"Bootstrap" in b"".join(response.streaming_content)


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get("/accounts/login/")

    policy = response.headers["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "<script>" not in response.content.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)", response.content.decode()) is None


def test_gunicorns_access_log_masks_link_tokens_emails_and_snils():
    import datetime
    from types import SimpleNamespace

    from gunicorn.config import Config

    from kruzhok.gunicorn_logging import MaskingLogger

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/accounts/confirm/eyJ1c2VyIjo1fQ:1tQ:abc/?email=ivanova@mail.ru",
        "PATH_INFO": "/accounts/confirm/eyJ1c2VyIjo1fQ:1tQ:abc/",
        "QUERY_STRING": "q=112-233-445 95",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://kruzhok.example/provider/invitations/eyJpIjoxfQ:x:y/",
    }
    response = SimpleNamespace(status="302 Found", headers=[], sent=0)
    request = SimpleNamespace(headers=[])

    atoms = MaskingLogger(Config()).atoms(
        response, request, environ, datetime.timedelta(milliseconds=5)
    )

    line = " ".join(str(atoms[k]) for k in ("r", "U", "q", "f"))
    for secret in ("eyJ1c2VyIjo1fQ", "ivanova@mail.ru", "445 95", "eyJpIjoxfQ"):
        assert secret not in line
