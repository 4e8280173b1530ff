"""View guards by role: anonymous visitors go to the log-in page, the wrong role gets 403."""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

if TYPE_CHECKING:
    from kruzhok.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `role_required`: its user is logged in."""

    user: "User"


View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def role_required(*roles: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied("Эта страница для другой роли пользователя.")
            return view(request, *args, **kwargs)

        return login_required(wrapped)  # type: ignore[return-value]

    return decorator


def client_ip(request: HttpRequest) -> str | None:
    """The request's origin address as recorded with a contract acceptance."""
    return request.META.get("REMOTE_ADDR") or None
