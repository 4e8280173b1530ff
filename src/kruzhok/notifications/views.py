from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kruzhok.accounts.access import request_user
from kruzhok.notifications import selectors, services


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "notifications/list.html",
        {"notifications": selectors.notification_list(user=user)[:100]},
    )


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notification_mark_read(user=request_user(request))
    return redirect("notifications:list")
