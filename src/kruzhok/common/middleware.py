"""The portal's own error pages, also while developing, and the cap on a request's size."""

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import page_not_found


class NotFoundPageMiddleware:
    """Under DEBUG (`make run`) Django answers a missing page with its technical 404 page, in
    English, listing the URL patterns; a parent trying the demo should see the portal's page.
    Without DEBUG Django renders 404.html itself and this does nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        ):
            return page_not_found(request, Http404())
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request whose body is larger than KRUZHOK_REQUEST_MAX_BYTES from its
    Content-Length, before a byte of it is read: a file upload (multipart) is otherwise read
    whole — to memory, then to a temporary file — before any form can check its size, so one
    request could fill a worker's disk and time. Django itself caps the other bodies
    (DATA_UPLOAD_MAX_MEMORY_SIZE) when they are read; each upload form still checks its own,
    smaller limit. The answer is 413 with a Russian page saying what to do."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.KRUZHOK_REQUEST_MAX_BYTES
        if not length.isdigit() or len(length) > 15 or int(length) > limit:
            return HttpResponse(
                render_to_string("413.html", {"limit": _size_text(limit)}, request=request),
                status=413,
            )
        return self.get_response(request)


def _size_text(size: int) -> str:
    """«6 МБ», «512 КБ»."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} МБ"
    return f"{max(size // 1024, 1)} КБ"
