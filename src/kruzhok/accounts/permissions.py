"""View guards by role: anonymous visitors go to the log-in page, the wrong role gets 403."""

import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
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
    """The address of the person behind the request: what log-in throttling counts and a
    contract acceptance records.

    Without KRUZHOK_TRUSTED_PROXY_HEADER it is REMOTE_ADDR. Behind KRUZHOK_TRUSTED_PROXIES
    reverse proxies, each of which appends the address it was reached from to that header
    (`X-Forwarded-For`, as nginx's $proxy_add_x_forwarded_for does), the client is the N-th
    address from the right: whatever a client wrote into the header itself stands further
    left and is ignored, so nobody can pass for another address. A request that did not come
    through the proxies (no header, too few or malformed addresses) is known by REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    header = getattr(settings, "KRUZHOK_TRUSTED_PROXY_HEADER", "")
    proxies = int(getattr(settings, "KRUZHOK_TRUSTED_PROXIES", 1))
    if not header or proxies < 1:
        return remote
    meta_key = "HTTP_" + header.upper().replace("-", "_")
    hops = [hop.strip() for hop in request.META.get(meta_key, "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def axes_client_ip(request: HttpRequest) -> str:
    """`client_ip` for django-axes (AXES_CLIENT_IP_CALLABLE), which wants a string."""
    return client_ip(request) or ""
