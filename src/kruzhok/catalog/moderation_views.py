"""The operator's moderation: the queue of providers asking to join and programs sent for
checking, and the page of each with its decision. The provider's page lives here, not in the
providers app, because it lists the provider's programs; the decisions themselves are
`providers.moderation` and `catalog.moderation`.

Access: operators and regional administrators only (403 for other roles); an operator reaches
only the providers of their municipality and those providers' programs (404 for the rest).
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.catalog import cabinet, moderation
from kruzhok.catalog.models import Program, ProgramState
from kruzhok.catalog.program_forms import ProgramReturnForm
from kruzhok.common.forms import add_service_errors
from kruzhok.providers import moderation as provider_moderation
from kruzhok.providers import selectors as provider_selectors
from kruzhok.providers.forms import ProviderRejectForm
from kruzhok.providers.models import Provider, ProviderStatus

OPERATOR_ROLES = (Role.OPERATOR, Role.REGIONAL_ADMIN)


@role_required(*OPERATOR_ROLES)
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What waits for a decision, oldest first, and the decisions of the last 30 days."""
    return render(
        request,
        "catalog/operator/queue.html",
        {
            "queue": cabinet.moderation_queue(user=request.user),
            "recent": cabinet.moderation_recent(user=request.user),
        },
    )


def _provider_page(
    request: AuthenticatedHttpRequest,
    provider: Provider,
    *,
    reject_form: ProviderRejectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "catalog/operator/provider_detail.html",
        {
            "provider": provider,
            "admins": provider_selectors.provider_admins(provider=provider),
            "programs": cabinet.program_list_for_provider(provider=provider),
            "history": provider_selectors.provider_history(provider=provider),
            "can_decide": provider.status == ProviderStatus.MODERATING,
            "reject_form": reject_form or ProviderRejectForm(),
        },
        status=status,
    )


@role_required(*OPERATOR_ROLES)
def provider_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    provider = provider_selectors.provider_get_for_operator(user=request.user, pk=pk)
    return _provider_page(request, provider)


@require_POST
@role_required(*OPERATOR_ROLES)
def provider_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    provider = provider_selectors.provider_get_for_operator(user=request.user, pk=pk)
    return _approve(
        request,
        lambda: provider_moderation.provider_approve(operator=request.user, provider=provider),
        detail=redirect("operator:provider_detail", pk=provider.pk),
        done=f"«{provider.short_name}» допущена к работе на портале.",
    )


@require_POST
@role_required(*OPERATOR_ROLES)
def provider_reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    provider = provider_selectors.provider_get_for_operator(user=request.user, pk=pk)
    form = ProviderRejectForm(request.POST)
    return _send_back(
        request,
        form,
        lambda text: provider_moderation.provider_reject(
            operator=request.user, provider=provider, reason=text
        ),
        field="reason",
        detail=redirect("operator:provider_detail", pk=provider.pk),
        done=f"Заявка «{provider.short_name}» отклонена.",
        page=lambda: _provider_page(request, provider, reject_form=form, status=400),
    )


def _program_page(
    request: AuthenticatedHttpRequest,
    program: Program,
    *,
    return_form: ProgramReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "catalog/operator/program_detail.html",
        {
            "program": program,
            "provider": program.provider,
            "groups": cabinet.group_list_for_program_cabinet(program=program),
            "history": cabinet.program_history(program=program),
            "can_decide": program.state == ProgramState.MODERATING,
            "return_form": return_form or ProgramReturnForm(),
        },
        status=status,
    )


@role_required(*OPERATOR_ROLES)
def program_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = cabinet.program_get_for_operator(user=request.user, pk=pk)
    return _program_page(request, program)


@require_POST
@role_required(*OPERATOR_ROLES)
def program_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = cabinet.program_get_for_operator(user=request.user, pk=pk)
    return _approve(
        request,
        lambda: moderation.program_approve(operator=request.user, program=program),
        detail=redirect("operator:program_detail", pk=program.pk),
        done=f"Программа «{program.title}» опубликована.",
    )


@require_POST
@role_required(*OPERATOR_ROLES)
def program_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = cabinet.program_get_for_operator(user=request.user, pk=pk)
    form = ProgramReturnForm(request.POST)
    return _send_back(
        request,
        form,
        lambda text: moderation.program_return(
            operator=request.user, program=program, remarks=text
        ),
        field="remarks",
        detail=redirect("operator:program_detail", pk=program.pk),
        done=f"Программа «{program.title}» возвращена на доработку.",
        page=lambda: _program_page(request, program, return_form=form, status=400),
    )


# One shape for every decision -----------------------------------------------------------------


def _approve(
    request: AuthenticatedHttpRequest,
    decide: Callable[[], object],
    *,
    detail: HttpResponse,
    done: str,
) -> HttpResponse:
    """Approve, then back to the queue; a refusal (say, decided already) is shown on the
    object's page."""
    try:
        decide()
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
        return detail
    messages.success(request, done)
    return redirect("operator:queue")


def _send_back(
    request: AuthenticatedHttpRequest,
    form: forms.Form,
    decide: Callable[[str], object],
    *,
    field: str,
    detail: HttpResponse,
    done: str,
    page: Callable[[], HttpResponse],
) -> HttpResponse:
    """Reject or return with the operator's text; an error in the text stays on the form
    with what was typed, a refusal of the decision itself is shown on the object's page."""
    if form.is_valid():
        try:
            decide(form.cleaned_data[field])
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                messages.info(request, " ".join(exc.messages))
                return detail
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("operator:queue")
    return page()
