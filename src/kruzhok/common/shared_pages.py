"""Pages rendered once for every anonymous visitor: the catalogue's and a program's.

A view that knows what its page shows before rendering it (common.etags) can also keep the
rendered body under that knowledge: two anonymous visitors asking for the same address while
the same programs, seats and costs are shown get the same HTML, but for the one thing that is
each visitor's own — the CSRF token that htmx sends back (base.html's `hx-headers`). The body
is rendered with a slot in its place, kept in the `pages` cache for a few minutes, and each
visitor's token is put in the slot when it is served.

A page that put a visitor's token anywhere else (a `{% csrf_token %}` form) would serve it to
the next visitor, whose cookie it does not match: such a body is served but never kept.

A logged-in visitor's page has more of their own — their name, their menu, their unread
notifications, a message waiting for them — but all of it is in the page's frame (base.html),
none in what the catalogue shows. `shared_content` keeps that part, the page's content block,
for every visitor, anonymous or not: it is rendered without the request, so that nothing of the
visitor's (their user, their token, their messages) can reach it, and each visitor's frame is
drawn around it.
"""

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from kruzhok.common.etags import page_parts

PAGES_CACHE = "pages"
# Everything a page shows that can change is in its key; the rest (the municipalities offered
# among the filters) is at most this old, as the filters fragment.
PAGE_TTL_S = 60


@functools.cache
def csrf_slot() -> str:
    """What stands for the visitor's CSRF token in a kept body: made from the secret key, so
    that no text a provider writes into a program can contain it."""
    digest = hashlib.blake2b(settings.SECRET_KEY.encode(), digest_size=16, person=b"csrf-slot")
    return f"csrf-slot-{digest.hexdigest()}"


def anonymous_page(
    request: HttpRequest,
    template_name: str,
    *,
    content: object,
    context: Callable[[], dict[str, Any]],
    using: str | None = None,
) -> HttpResponse:
    """The page `template_name` for an anonymous visitor with no message waiting, given what it
    shows (`content`, as for common.etags.page_etag): the kept body when there is one, else
    rendered from `context()` (called only then) by the template engine `using` (any, by
    default) and kept."""
    key = "page:" + hashlib.blake2b(page_parts(request, content), digest_size=16).hexdigest()
    pages = caches[PAGES_CACHE]
    html: str | None = pages.get(key)
    if html is None:
        # A token taken during the rendering is this visitor's: such a body is not kept.
        asked_before = request.META.pop("CSRF_COOKIE_NEEDS_UPDATE", False)
        html = render_to_string(
            template_name, context() | {"csrf_slot": csrf_slot()}, request, using=using
        )
        if not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
            pages.set(key, html, PAGE_TTL_S)
        if asked_before:
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    return HttpResponse(html.replace(csrf_slot(), get_token(request)))


def shared_content(
    *,
    request: HttpRequest,
    template_name: str,
    content: object,
    context: Callable[[], dict[str, Any]],
) -> SafeString:
    """The part of a page that is the same for every visitor, anonymous or logged in, given what
    it shows (`content`, as for common.etags.page_etag, which also names the address and htmx's
    headers): the kept HTML when there is one, else `template_name` rendered from `context()`
    (called only then) without the request — no user, no CSRF token, no messages, no context
    processor — and kept."""
    key = "content:" + hashlib.blake2b(page_parts(request, content), digest_size=16).hexdigest()
    pages = caches[PAGES_CACHE]
    html: str | None = pages.get(key)
    if html is None:
        html = render_to_string(template_name, context())
        pages.set(key, html, PAGE_TTL_S)
    return mark_safe(html)
