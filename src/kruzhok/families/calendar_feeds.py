"""A guardian's private calendar address: made, replaced and revoked by the guardian, and
found by its token alone (a phone's calendar subscribes without logging in)."""

import hashlib
import secrets

from django.db import transaction

from kruzhok.accounts.models import Role, User
from kruzhok.common.services import audit_record
from kruzhok.families.models import CalendarFeed

# 32 random bytes, URL-safe: 43 characters, as hard to guess as a 256-bit key.
TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 64


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_create(*, user: User) -> str:
    """Make the user's calendar address and return its token (shown once, never stored).

    Guarantees: a parent has at most one address (the unique user); a new one replaces the
    old, whose token stops working in the same transaction; only the token's hash is kept.
    """
    if not user.is_parent:
        raise ValueError("only a parent has a calendar of children's lessons")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    replaced = CalendarFeed.objects.filter(user=user).delete()[0] > 0
    feed = CalendarFeed.objects.create(user=user, token_hash=_hash(token))
    audit_record(actor=user, action="calendar_feed_create", obj=feed, replaced=replaced)
    return token


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> bool:
    """Delete the user's calendar address; False if there was none. Its token stops working."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        return False
    audit_record(actor=user, action="calendar_feed_revoke", obj=feed)
    feed.delete()
    return True


def calendar_feed_owner(*, token: str) -> User | None:
    """The active parent whose calendar address carries this token, else None."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    feed = (
        CalendarFeed.objects.filter(
            token_hash=_hash(token), user__is_active=True, user__role=Role.PARENT
        )
        .select_related("user")
        .first()
    )
    return feed.user if feed else None
