from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kruzhok.common.redis_cache import cache_reachable


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness, and whether the database and the cache answer, for load balancers and
    monitoring: 503 without the database; 200 but «degraded» without the Redis of
    KRUZHOK_CACHE_URL, as the pages work without it (every worker renders everything, and the
    API's rate limits let callers through, until it is back)."""
    answer = {"status": "ok", "database": "ok", "cache": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        answer["database"] = "unavailable"
    if answer["database"] == "unavailable":
        return JsonResponse(answer | {"status": "error"}, status=503)
    if not cache_reachable():
        # The pages still work (common.redis_cache): a load balancer keeps this worker, and
        # monitoring reads that the shared cache is down.
        return JsonResponse(answer | {"status": "degraded", "cache": "unavailable"})
    return JsonResponse(answer)


@never_cache
@require_GET
def healthz_session(request: HttpRequest) -> JsonResponse:
    """The cheapest page a person can be served: the session read and the user behind it
    loaded, as every page does before its own work, through the whole middleware stack, and
    nothing else. `bench/rush.py` loads it to measure the framework's ceiling beside the
    application's pages. It answers only whether the asker has a session and is logged in:
    no identifier, no personal data."""
    has_session = bool(request.session.keys())
    return JsonResponse(
        {
            "status": "ok",
            "session": has_session,
            "authenticated": request.user.is_authenticated,
        }
    )


def home(request: HttpRequest) -> HttpResponse:
    """The front page: what the portal is and the one next step for whoever is looking."""
    return render(request, "common/home.html")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links; the icon is a static file."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
