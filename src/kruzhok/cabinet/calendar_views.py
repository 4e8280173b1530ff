"""The children's lessons on the cabinet (a week at a time) and the private calendar address
a phone subscribes to."""

import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kruzhok.accounts.access import request_user
from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import role_required
from kruzhok.cabinet.calendar import child_week, lessons_ical, week_start
from kruzhok.common.bounds import date_in_range
from kruzhok.families.calendar_feeds import (
    calendar_feed_create,
    calendar_feed_owner,
    calendar_feed_revoke,
)
from kruzhok.families.models import CalendarFeed
from kruzhok.families.selectors import child_get_for_guardian, child_list_for_guardian


def _week_asked(value: str | None, today: datetime.date) -> datetime.date:
    """The Monday of the week asked for by `?week=YYYY-MM-DD`; this week when the date is
    missing, unreadable or outside the dates the portal plans for."""
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        return week_start(today)
    return week_start(day if not date_in_range(day) else today)


@role_required(Role.PARENT)
def child_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_guardian(user=request_user(request), pk=pk)
    today = timezone.localdate()
    monday = _week_asked(request.GET.get("week"), today)
    week = child_week(child=child, monday=monday, today=today)
    return render(
        request,
        "cabinet/child_calendar.html",
        {"child": child, "week": week, "this_week": week_start(today)},
    )


_SHOW_ONCE = "calendar_address_once"


@role_required(Role.PARENT)
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """The calendar address: how to subscribe, made anew (shown once) or revoked."""
    user = request_user(request)
    if request.method == "POST":
        # Shown once, by the page the POST redirects to (a reload then makes no new address):
        # the session holds the token only until that page pops it.
        request.session[_SHOW_ONCE] = calendar_feed_create(user=user)
        return redirect("cabinet:calendar_feed")
    token = request.session.pop(_SHOW_ONCE, "")
    link = (
        request.build_absolute_uri(reverse("cabinet:calendar_ics", args=[token])) if token else ""
    )
    feed = CalendarFeed.objects.filter(user=user).first()
    response = render(
        request,
        "cabinet/calendar_feed.html",
        {
            "feed": feed,
            "link": link,
            "webcal": link.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1),
            "has_children": child_list_for_guardian(user=user).exists(),
        },
    )
    response["Cache-Control"] = "no-store"  # the page may carry the address
    return response


@role_required(Role.PARENT)
@require_POST
def calendar_feed_delete(request: HttpRequest) -> HttpResponse:
    if calendar_feed_revoke(user=request_user(request)):
        messages.success(
            request,
            "Ссылка на календарь отключена: календари, подписанные на неё, больше не получат "
            "занятия.",
        )
    return redirect("cabinet:calendar_feed")


def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: answers its token alone, without a session (404 for any other)."""
    owner = calendar_feed_owner(token=token)
    if owner is None:
        raise Http404
    children = list(child_list_for_guardian(user=owner).order_by("birth_date", "pk"))
    name = "Кружки: " + ", ".join(child.first_name for child in children) if children else ""
    body = lessons_ical(children=children, today=timezone.localdate(), name=name or "Кружки")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kruzhki.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
