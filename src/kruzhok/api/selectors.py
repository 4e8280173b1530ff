"""Reads of the API app."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from kruzhok.accounts.models import User
from kruzhok.api.models import ApiToken


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The person's tokens, newest first, with the organisation each acts for."""
    return ApiToken.objects.filter(user=user).select_related("provider")


def api_token_get(*, user: User, pk: int) -> ApiToken:
    """One of the person's tokens; 404 for anyone else's."""
    return get_object_or_404(ApiToken, pk=pk, user=user)
