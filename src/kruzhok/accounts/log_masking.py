"""What the server log may hold: no e-mail address in full and no token of a link that
confirms an address, accepts an invitation or resets a password (such a link in a log is a
way in). `MaskingFilter` sits on every log handler (settings.LOGGING), so whatever Django,
django-axes or the portal writes passes through it."""

import logging
import re

from django.http import HttpRequest

EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@([\w-]+(?:\.[\w-]+)+)")
# The secret part of the portal's link paths: /accounts/confirm/<token>/,
# /provider/invitations/<token>/, /accounts/password/reset/<uid>/<token>/, and the address of
# a family's calendar, /cabinet/calendar/<token>.ics.
LINK_TOKEN = re.compile(
    r"(/(?:confirm|invitations)/)[^/\s\"'?]+|(/reset/)[^/\s\"'?]+/[^/\s\"'?]+"
    r"|(/calendar/)[^/\s\"'?]+(?=\.ics)"
)
# A СНИЛС as people type it: 11 digits, maybe grouped `123-456-789 01` (the space URL-encoded).
SNILS = re.compile(r"(?<!\d)\d{3}-?\d{3}-?\d{3}(?:\s|%20|\+|-)?\d{2}(?!\d)")
HIDDEN = "***"


def mask_email(text: str) -> str:
    """`ivanova@mail.ru` → `i***@mail.ru`: the log can still tell mail providers apart."""
    return EMAIL.sub(lambda m: f"{m.group(1)}{HIDDEN}@{m.group(2)}", text)


def mask_secrets(text: str) -> str:
    """Every e-mail address masked, every link token and anything that looks like a СНИЛС
    replaced by `***`."""

    def token(match: re.Match[str]) -> str:
        if match.group(1) or match.group(3):
            return (match.group(1) or match.group(3)) + HIDDEN
        return match.group(2) + HIDDEN + "/" + HIDDEN

    return SNILS.sub(HIDDEN, mask_email(LINK_TOKEN.sub(token, text)))


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            # Formatters reuse a cached exc_text: fill it, masked, before any of them runs.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        return True


def axes_client_str(
    username: str | None, ip_address: str, user_agent: str, path_info: str, request: HttpRequest
) -> str:
    """How django-axes names a client in its log lines (AXES_CLIENT_STR_CALLABLE)."""
    return f'{{username: "{mask_email(username or "")}", ip_address: "{ip_address}"}}'
