"""Conditional GET for pages whose content is known before they are rendered.

A view that can say cheaply what its page shows (the catalogue: its programs' versions and
seat figures) makes a strong ETag of it with `page_etag`, which adds everything else the HTML
depends on: this release of the portal (common.release), the address with its query, htmx's
request headers, and the CSRF cookie that the page's token is made from. A browser
revalidating an unchanged page (a refresh) then gets 304 without the page being rendered. No
Last-Modified: seat counts change without any date moving, so a date would let a browser keep a
page whose seats are gone.
"""

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest
from django.utils.http import quote_etag

from kruzhok.common.release import build_digest


def page_parts(request: HttpRequest, content: object) -> bytes:
    """What an anonymous visitor's page is made of but the CSRF cookie: this release, the
    address with its query, htmx's request headers and what the page shows (`content`,
    anything JSON can write; dates are written as text). Also the key of a kept body
    (common.shared_pages)."""
    parts = [
        build_digest(),
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-History-Restore-Request", ""),
        content,
    ]
    return json.dumps(parts, sort_keys=True, default=str).encode()


def page_etag(request: HttpRequest, *, content: object) -> str:
    """A quoted strong ETag for the page this request asks for, given what the page shows:
    page_parts and the CSRF cookie that the page's token is made from."""
    digest = hashlib.blake2b(page_parts(request, content), digest_size=16)
    digest.update(request.COOKIES.get(settings.CSRF_COOKIE_NAME, "").encode())
    return quote_etag(digest.hexdigest())
