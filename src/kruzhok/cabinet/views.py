"""The parent's personal cabinet: children, certificates with their money, applications, and
the monthly statements of what was charged."""

import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kruzhok.accounts.access import request_user
from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import role_required
from kruzhok.cabinet.selectors import (
    available_explanation,
    certificate_operations_for_parent,
    certificate_state,
    child_summaries_for_guardian,
)
from kruzhok.cabinet.statement_pdf import statement_pdf_render
from kruzhok.cabinet.statements import Statement, child_statement, child_statement_months
from kruzhok.certificates.selectors import certificate_card
from kruzhok.enrollment.selectors import application_list_for_child
from kruzhok.families.selectors import child_get_for_guardian


@role_required(Role.PARENT)
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    summaries = child_summaries_for_guardian(user=user, today=timezone.localdate())
    waiting = [(s.child, timeline) for s in summaries for timeline in s.offers_waiting]
    return render(request, "cabinet/home.html", {"summaries": summaries, "waiting": waiting})


@role_required(Role.PARENT)
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = child_get_for_guardian(user=request_user(request), pk=pk)
    today = timezone.localdate()
    card = certificate_card(child=child)
    return render(
        request,
        "cabinet/child_detail.html",
        {
            "child": child,
            "age": child.age_on(today),
            "card": card,
            "state": certificate_state(certificate=card.certificate, today=today) if card else "",
            "available_note": available_explanation(certificate=card.certificate, money=card.money)
            if card
            else "",
            "operations": certificate_operations_for_parent(certificate=card.certificate)
            if card
            else [],
            "applications": application_list_for_child(child=child),
            "statement_months": child_statement_months(child=child),
        },
    )


def _statement(request: HttpRequest, pk: int, month: datetime.date) -> Statement:
    """The statement of one of the user's children; another family's child is not found."""
    child = child_get_for_guardian(user=request_user(request), pk=pk)
    return child_statement(child=child, month=month, today=timezone.localdate())


@role_required(Role.PARENT)
def statement(request: HttpRequest, pk: int, month: datetime.date) -> HttpResponse:
    return render(request, "cabinet/statement.html", {"statement": _statement(request, pk, month)})


@role_required(Role.PARENT)
def statement_pdf(request: HttpRequest, pk: int, month: datetime.date) -> HttpResponse:
    response = HttpResponse(
        statement_pdf_render(statement=_statement(request, pk, month)),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = (
        f'inline; filename="vypiska-{month.year:04d}-{month.month:02d}.pdf"'
    )
    return response
