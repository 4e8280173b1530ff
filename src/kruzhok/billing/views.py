"""The operator's months: which are open, closing (with progress) and closed, the button that
closes one, and the invoices a close issued.

Access: operators see only their municipality (404 for another's close), regional
administrators every municipality; other roles get 403.
"""

import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.billing import selectors
from kruzhok.billing.month_close import MonthCloseError, month_close_resume, month_close_start
from kruzhok.common.bounds import date_in_range, id_parse
from kruzhok.common.models import Municipality

OPERATOR_ROLES = (Role.OPERATOR, Role.REGIONAL_ADMIN)


def operator_municipality(request: AuthenticatedHttpRequest) -> Municipality:
    """The municipality the page is about: the operator's own, or the one a regional
    administrator chose (`?municipality=`); Http404 for one the user may not see."""
    allowed = selectors.operator_municipality_ids(user=request.user)
    wanted = request.GET.get("municipality") or request.POST.get("municipality") or ""
    pk = id_parse(wanted) or (allowed[0] if allowed else 0)
    if pk not in allowed:
        raise Http404("Муниципалитет не найден.")
    return Municipality.objects.get(pk=pk)


def municipality_choices(request: AuthenticatedHttpRequest) -> list[Municipality]:
    """What a regional administrator chooses from; an operator has nothing to choose."""
    if request.user.role != Role.REGIONAL_ADMIN:
        return []
    return list(
        Municipality.objects.filter(
            pk__in=selectors.operator_municipality_ids(user=request.user)
        ).order_by("name")
    )


@role_required(*OPERATOR_ROLES)
def month_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    municipality = operator_municipality(request)
    today = timezone.localdate()
    return render(
        request,
        "billing/month_list.html",
        {
            "municipality": municipality,
            "municipalities": municipality_choices(request),
            "rows": selectors.month_rows(municipality_id=municipality.pk, today=today),
        },
    )


@require_POST
@role_required(*OPERATOR_ROLES)
def month_close(request: AuthenticatedHttpRequest) -> HttpResponse:
    municipality = operator_municipality(request)
    try:
        month = datetime.date.fromisoformat(request.POST.get("month", ""))
        if date_in_range(month):
            raise ValueError(month)
    except ValueError:
        messages.error(request, "Не понятно, какой месяц закрыть: обновите страницу.")
        return _back_to_list(municipality)
    try:
        closure = month_close_start(actor=request.user, municipality=municipality, month=month)
    except MonthCloseError as refusal:
        messages.error(request, str(refusal))
        return _back_to_list(municipality)
    messages.success(
        request,
        "Закрытие месяца началось: посещаемость за него заморожена, счета поставщикам "
        "выставляются. Страница покажет, когда всё будет готово.",
    )
    return redirect("billing:closure_detail", pk=closure.pk)


@require_POST
@role_required(*OPERATOR_ROLES)
def month_close_continue(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    closure = selectors.month_closure_for_operator(user=request.user, pk=pk)
    try:
        month_close_resume(actor=request.user, closure=closure)
    except MonthCloseError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            "Закрытие передано обработчику задач ещё раз: оно продолжится с того места, где "
            "остановилось; уже выставленные счета не меняются.",
        )
    return redirect("billing:closure_detail", pk=closure.pk)


def _back_to_list(municipality: Municipality) -> HttpResponse:
    return redirect(f"{reverse('billing:month_list')}?municipality={municipality.pk}")


@role_required(*OPERATOR_ROLES)
def closure_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    closure = selectors.month_closure_for_operator(user=request.user, pk=pk)
    invoices = list(selectors.invoice_list_for_closure(closure=closure))
    context = {
        "closure": closure,
        "month": selectors.month_name(closure.month),
        "invoices": invoices,
        "documents_missing": sum(1 for invoice in invoices if not invoice.documents.all()),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "billing/_closure_progress.html", context)
    return render(request, "billing/closure_detail.html", context)
