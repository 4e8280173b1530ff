"""The operator's decisions on guardians' requests to correct a child's СНИЛС or birth date:
the waiting list of the municipalities the operator oversees, each request with approve and
reject. A request about another municipality's child is not found."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.common.forms import add_service_errors
from kruzhok.families.corrections import child_correction_approve, child_correction_reject
from kruzhok.families.forms import CorrectionRejectForm
from kruzhok.families.models import ChildCorrection, CorrectionStatus
from kruzhok.families.selectors import (
    correction_get_for_oversight,
    correction_list_for_oversight,
)
from kruzhok.oversight.menu import OPERATOR_ROLES
from kruzhok.oversight.selectors import oversight_municipality_ids

STATUSES = {"pending": CorrectionStatus.PENDING, "decided": "", "all": ""}


@role_required(*OPERATOR_ROLES)
def correction_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    shown = request.GET.get("status", "pending")
    if shown not in STATUSES:
        shown = "pending"
    rows = correction_list_for_oversight(
        municipality_ids=oversight_municipality_ids(user=request.user), status=STATUSES[shown]
    )
    if shown == "decided":
        rows = rows.exclude(status=CorrectionStatus.PENDING).order_by("-decided_at", "-pk")
    return render(
        request,
        "oversight/corrections.html",
        {"corrections": rows[:200], "shown": shown},
    )


def _correction(request: AuthenticatedHttpRequest, pk: int) -> ChildCorrection:
    return correction_get_for_oversight(
        municipality_ids=oversight_municipality_ids(user=request.user), pk=pk
    )


def _detail(
    request: AuthenticatedHttpRequest,
    correction: ChildCorrection,
    reject_form: CorrectionRejectForm | None = None,
    error: str = "",
) -> HttpResponse:
    return render(
        request,
        "oversight/correction_detail.html",
        {
            "correction": correction,
            "reject_form": reject_form or CorrectionRejectForm(),
            "error": error,
        },
        status=400 if error or (reject_form is not None and reject_form.errors) else 200,
    )


@role_required(*OPERATOR_ROLES)
def correction_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _correction(request, pk))


@role_required(*OPERATOR_ROLES)
@require_POST
def correction_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    correction = _correction(request, pk)
    try:
        child_correction_approve(actor=request.user, correction=correction)
    except ValidationError as exc:
        return _detail(request, correction, error=" ".join(exc.messages))
    messages.success(
        request,
        f"Исправлено: {correction.get_field_display()} ребёнка {correction.child.initials_name}.",
    )
    return redirect("oversight:corrections")


@role_required(*OPERATOR_ROLES)
@require_POST
def correction_reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    correction = _correction(request, pk)
    form = CorrectionRejectForm(request.POST)
    if form.is_valid():
        try:
            child_correction_reject(
                actor=request.user, correction=correction, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                add_service_errors(form, exc)
            else:
                return _detail(request, correction, error=" ".join(exc.messages))
        else:
            messages.info(request, "Запрос отклонён; родитель получит ваш ответ.")
            return redirect("oversight:corrections")
    return _detail(request, correction, reject_form=form)
