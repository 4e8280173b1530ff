"""Reads of the API app."""

import datetime

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from kruzhok.accounts.models import User
from kruzhok.api.models import ApiToken, Tombstone


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The person's tokens, newest first, with the organisation each acts for."""
    return ApiToken.objects.filter(user=user).select_related("provider")


def api_token_get(*, user: User, pk: int) -> ApiToken:
    """One of the person's tokens; 404 for anyone else's."""
    return get_object_or_404(ApiToken, pk=pk, user=user)


def tombstone_list(*, kind: str, since: datetime.datetime) -> QuerySet[Tombstone]:
    """The objects of the kind deleted after `since`, in the order they were deleted."""
    return Tombstone.objects.filter(kind=kind, deleted_at__gt=since).order_by("deleted_at", "pk")
