"""The portal's own error pages, also while developing."""

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
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
