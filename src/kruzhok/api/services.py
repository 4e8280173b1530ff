"""Writes of the API app: personal tokens created and revoked."""

import datetime
import secrets
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.api.auth import TOKEN_PREFIX, token_digest
from kruzhok.api.idempotency import KEPT_FOR
from kruzhok.api.models import ApiToken, IdempotentAnswer, Tombstone
from kruzhok.common.field_errors import Errors, error_add
from kruzhok.common.services import audit_record
from kruzhok.providers.selectors import staff_role

MAX_DAYS = 365
MAX_LIVE_TOKENS = 20


class NewToken(NamedTuple):
    token: ApiToken
    secret: str  # shown once, never stored


def api_token_create(
    *, user: User, name: str, days: int, provider_id: int | None = None
) -> NewToken:
    """A new personal token of `user`, live for `days` days, with the person's role (a
    provider's staff member names the organisation it acts for). Refused, with the field to
    fix, for a blank name, a life outside 1…365 days, an organisation the person does not work
    at, or more than MAX_LIVE_TOKENS live tokens."""
    errors: Errors = {}
    name = name.strip()
    if not name:
        error_add(errors, "name", "Напишите, для чего ключ: например, «Учёт посещаемости».")
    if not 1 <= days <= MAX_DAYS:
        error_add(errors, "days", f"Срок действия — от 1 до {MAX_DAYS} дней.")
    if user.role == Role.PROVIDER:
        if provider_id is None or staff_role(user=user, provider_id=provider_id) is None:
            error_add(errors, "provider", "Выберите организацию, в которой вы работаете.")
    else:
        provider_id = None
    now = timezone.now()
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)
    if live.count() >= MAX_LIVE_TOKENS:
        error_add(
            errors, "__all__", f"У вас уже {MAX_LIVE_TOKENS} действующих ключей: отзовите ненужные."
        )
    if errors:
        raise ValidationError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:12],
            digest=token_digest(secret),
            role=user.role,
            provider_id=provider_id,
            created_at=now,
            expires_at=now + datetime.timedelta(days=days),
        )
        audit_record(actor=user, action="api_token_create", obj=token, name=name)
    return NewToken(token, secret)


def api_token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    """Revoke one of the person's tokens (again is harmless)."""
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            audit_record(actor=user, action="api_token_revoke", obj=token)
    token.refresh_from_db()
    return token


# How long tombstones are kept: a client that syncs less often than this re-reads everything.
TOMBSTONES_KEPT_FOR = datetime.timedelta(days=180)


class Housekeeping(NamedTuple):
    answers: int
    tombstones: int


def api_housekeeping(*, now: datetime.datetime | None = None) -> Housekeeping:
    """Forget idempotent answers past their replay time (and marks of requests that died
    midway) and tombstones older than TOMBSTONES_KEPT_FOR."""
    now = now or timezone.now()
    answers, _ = IdempotentAnswer.objects.filter(created_at__lt=now - KEPT_FOR).delete()
    tombstones, _ = Tombstone.objects.filter(deleted_at__lt=now - TOMBSTONES_KEPT_FOR).delete()
    return Housekeeping(answers, tombstones)
