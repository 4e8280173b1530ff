from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from kruzhok.accounts.models import User


def request_user(request: HttpRequest) -> User:
    """The logged-in user of a request that a login check has already let through."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user
