"""Who calls the provider's operations and what their token reaches."""

from django.http import Http404, HttpRequest

from kruzhok.accounts.models import Role
from kruzhok.api.auth import Principal, principal
from kruzhok.providers.models import ProviderStaff
from kruzhok.providers.selectors import staff_memberships


def caller_of(request: HttpRequest) -> Principal:
    return principal(request, Role.PROVIDER)


def within_token(caller: Principal, provider_id: int, what: str) -> None:
    """404 for an object of another organisation than the token's (as for a stranger's)."""
    if caller.provider_id is not None and caller.provider_id != provider_id:
        raise Http404(what)


def memberships(caller: Principal) -> list[ProviderStaff]:
    return list(staff_memberships(user=caller.user).filter(caller.provider_filter("provider")))
