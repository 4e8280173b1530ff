"""The parent's personal cabinet: children, certificates with their money, applications."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kruzhok.accounts.access import request_user
from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import role_required
from kruzhok.cabinet.selectors import child_summaries_for_guardian
from kruzhok.certificates.selectors import certificate_card
from kruzhok.enrollment.selectors import application_list_for_child
from kruzhok.families.selectors import child_get_for_guardian


@role_required(Role.PARENT)
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    summaries = child_summaries_for_guardian(user=user, today=timezone.localdate())
    return render(request, "cabinet/home.html", {"summaries": summaries})


@role_required(Role.PARENT)
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_guardian(user=request_user(request), pk=pk)
    return render(
        request,
        "cabinet/child_detail.html",
        {
            "child": child,
            "age": child.age_on(timezone.localdate()),
            "card": certificate_card(child=child),
            "applications": application_list_for_child(child=child),
        },
    )
