"""The operator's financing periods: each program of the municipality with its state, a
program's page with the preview of what its close will do, the button that starts the close
in the background, and the close's progress (polled by htmx) and outcome.

Access as on the months' pages (`billing.views`): operators see only their municipality (404
for another's program), regional administrators every municipality; other roles get 403.
"""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.billing import period_reads
from kruzhok.billing.periods import PeriodCloseError, financing_period_close_start
from kruzhok.billing.views import OPERATOR_ROLES, municipality_choices, operator_municipality

PREVIEW_PAGE_SIZE = 50


@role_required(*OPERATOR_ROLES)
def period_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    municipality = operator_municipality(request)
    return render(
        request,
        "billing/period_list.html",
        {
            "municipality": municipality,
            "municipalities": municipality_choices(request),
            "rows": period_reads.period_rows(
                municipality_id=municipality.pk, today=timezone.localdate()
            ),
        },
    )


@role_required(*OPERATOR_ROLES)
def period_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = period_reads.financing_program_for_operator(user=request.user, pk=pk)
    closure = period_reads.period_closure_get(financing_program=program)
    state = period_reads.period_state(program=program, closure=closure, today=timezone.localdate())
    context: dict[str, object] = {
        "program": program,
        "closure": closure,
        "state": state,
        "close_from": program.period_end + datetime.timedelta(days=1),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "billing/_period_progress.html", context)
    if state in (period_reads.PeriodState.RUNNING, period_reads.PeriodState.OVER):
        preview = period_reads.period_close_preview(financing_program=program)
        page = Paginator(preview.certificates, PREVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
        context |= {
            "preview": preview,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(
                page.number, on_each_side=1, on_ends=1
            ),
            "rows": period_reads.period_preview_rows(entries=page.object_list),
        }
    return render(request, "billing/period_detail.html", context)


@require_POST
@role_required(*OPERATOR_ROLES)
def period_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = period_reads.financing_program_for_operator(user=request.user, pk=pk)
    try:
        financing_period_close_start(financing_program=program, actor=request.user)
    except PeriodCloseError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            "Закрытие периода началось: финансирование по программе прекращено, резервы "
            "снимаются, остатки возвращаются в бюджет. Страница покажет, когда всё будет готово.",
        )
    return redirect("periods:detail", pk=program.pk)
