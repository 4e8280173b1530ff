"""The operator's advances under /operator/advances/: for this month or the next, each
provider's expected certificate charges, the most it may be advanced, its debt of earlier
advances, and a payment order recorded per provider.

Access as on the other operator pages: an operator works in their municipality, a regional
administrator chooses one; other roles get 403.
"""

import datetime

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.billing.advances import (
    AdvanceError,
    advance_pay,
    advance_percent,
    month_advances,
)
from kruzhok.billing.payment_views import PaymentForm
from kruzhok.billing.views import OPERATOR_ROLES, municipality_choices, operator_municipality
from kruzhok.common.models import Municipality
from kruzhok.common.months import month_name
from kruzhok.enrollment.charges import month_end
from kruzhok.providers.models import Provider


def _months(today: datetime.date) -> list[datetime.date]:
    """The months an advance may be paid for: this one and the next."""
    this_month = today.replace(day=1)
    return [this_month, month_end(this_month) + datetime.timedelta(days=1)]


def _chosen_month(value: str, today: datetime.date) -> datetime.date:
    months = _months(today)
    try:
        wanted = datetime.date.fromisoformat(value).replace(day=1) if len(value) == 10 else None
    except ValueError:
        wanted = None
    return wanted if wanted in months else months[0]


def _list_url(municipality: Municipality, month: datetime.date) -> str:
    return reverse("advances:list") + f"?municipality={municipality.pk}&month={month.isoformat()}"


@role_required(*OPERATOR_ROLES)
def advance_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    municipality = operator_municipality(request)
    today = timezone.localdate()
    month = _chosen_month(request.GET.get("month", ""), today)
    rows = month_advances(municipality=municipality, month=month)
    return render(
        request,
        "billing/advance_list.html",
        {
            "municipality": municipality,
            "municipalities": municipality_choices(request),
            "month": month,
            "months": [(m, month_name(m)) for m in _months(today)],
            "percent": advance_percent(municipality=municipality, month=month),
            "rows": rows,
            "paid_total": sum(r.advance.amount for r in rows if r.advance),
            "today": today,
        },
    )


@require_POST
@role_required(*OPERATOR_ROLES)
def advance_record(request: AuthenticatedHttpRequest, provider_id: int) -> HttpResponse:
    municipality = operator_municipality(request)
    today = timezone.localdate()
    month = _chosen_month(request.POST.get("month", ""), today)
    provider = get_object_or_404(Provider, pk=provider_id)
    if provider.pk not in {
        row.provider.pk for row in month_advances(municipality=municipality, month=month)
    }:
        # Not a provider the municipality's certificates pay this month: nothing to advance.
        raise Http404("Поставщик не найден среди получателей авансов за этот месяц.")
    form = PaymentForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, f"Аванс «{provider.short_name}» не отмечен: {problems}")
        return redirect(_list_url(municipality, month))
    try:
        advance = advance_pay(
            actor=request.user,
            municipality=municipality,
            provider=provider,
            month=month,
            today=today,
            **form.cleaned_data,
        )
    except AdvanceError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"Аванс «{provider.short_name}» за {month_name(month)} отмечен: "
            f"п/п № {advance.order_number} от {advance.order_date:%d.%m.%Y}.",
        )
    return redirect(_list_url(municipality, month))
