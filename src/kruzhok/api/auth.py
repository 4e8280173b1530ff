"""Who is calling: a personal token (`Authorization: Bearer krz_…`) or the site's session.

Either way the operation sees a `Principal`: the person, with `request.user` set to them, so
that the pages' selectors (which scope everything by the person) apply unchanged; a token
additionally narrows a provider's staff member to the one organisation it was issued for.
"""

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from kruzhok.accounts.models import Role, User
from kruzhok.api.models import ApiToken
from kruzhok.api.problems import ApiProblem
from kruzhok.providers.selectors import staff_role

TOKEN_PREFIX = "krz_"
# How often the token's «last used» moment is written (not on every request).
LAST_USED_EVERY = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    user: User
    token: ApiToken | None = None

    @property
    def provider_id(self) -> int | None:
        """The one organisation a provider's token acts for; None for the session (all of the
        person's organisations) and for other roles."""
        return self.token.provider_id if self.token is not None else None

    def provider_filter(self, path: str) -> Q:
        """A filter on rows reaching a provider through `path` (e.g. "group__program__provider"):
        everything for the session, the token's organisation for a token."""
        if self.provider_id is None:
            return Q()
        return Q(**{f"{path}_id": self.provider_id})

    def __str__(self) -> str:
        # What the rate limit keys by: the token when there is one, else the person.
        return f"token:{self.token.pk}" if self.token is not None else f"user:{self.user.pk}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenAuth(HttpBearer):
    """A personal API token, live, of an active person who still has the token's role (and,
    for a provider's token, still works at that organisation)."""

    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(token), revoked_at__isnull=True)
            .first()
        )
        now = timezone.now()
        if row is None or row.expires_at <= now:
            return None
        user = row.user
        if not user.is_active or user.role != row.role:
            return None
        if (
            row.provider_id is not None
            and staff_role(user=user, provider_id=row.provider_id) is None
        ):
            return None
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_EVERY:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = user
        return Principal(user=user, token=row)


class SessionAuth(APIKeyCookie):
    """The site's own session (its pages call the API as the logged-in person); unsafe
    methods need the CSRF token, as forms do."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        user = getattr(request, "user", None)
        if isinstance(user, User) and user.is_authenticated and user.is_active:
            return Principal(user=user)
        return None


AUTH: list[Any] = [TokenAuth(), SessionAuth()]


def principal(request: HttpRequest, *roles: str) -> Principal:
    """The caller, refused with 403 unless they have one of `roles`."""
    caller = getattr(request, "auth", None)
    if not isinstance(caller, Principal):
        raise ApiProblem(401, "Нужен ключ API (Authorization: Bearer …) или вход на сайт.")
    if roles and caller.user.role not in roles:
        names = ", ".join(str(Role(role).label).lower() for role in roles)
        raise ApiProblem(403, f"Эта операция доступна только ролям: {names}.")
    return caller
