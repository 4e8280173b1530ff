"""The operator's moderation queue: providers asking to join and programs sent for checking.

Access: operators and regional administrators only (403 for other roles); an operator reaches
only the providers of their municipality and those providers' programs (404 for the rest).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kruzhok.accounts.models import Role
from kruzhok.catalog import cabinet, moderation
from kruzhok.catalog.forms_operator import ProgramReturnForm, ProviderRejectForm
from kruzhok.catalog.models import Program, ProgramState, Provider, ProviderStatus
from kruzhok.common.forms import add_service_errors
from kruzhok.common.permissions import AuthenticatedHttpRequest, role_required

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
            "admins": cabinet.provider_admins(provider=provider),
            "programs": cabinet.program_list_for_provider(provider=provider),
            "history": cabinet.provider_history(provider=provider),
            "can_decide": provider.status == ProviderStatus.MODERATING,
            "reject_form": reject_form or ProviderRejectForm(),
        },
        status=status,
    )


@role_required(*OPERATOR_ROLES)
def provider_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    provider = cabinet.provider_get_for_operator(user=request.user, pk=pk)
    return _provider_page(request, provider)


@require_POST
@role_required(*OPERATOR_ROLES)
def provider_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    provider = cabinet.provider_get_for_operator(user=request.user, pk=pk)
    try:
        moderation.provider_approve(operator=request.user, provider=provider)
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
        return redirect("operator:provider_detail", pk=provider.pk)
    messages.success(request, f"«{provider.short_name}» допущена к работе на портале.")
    return redirect("operator:queue")


@require_POST
@role_required(*OPERATOR_ROLES)
def provider_reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    provider = cabinet.provider_get_for_operator(user=request.user, pk=pk)
    form = ProviderRejectForm(request.POST)
    if form.is_valid():
        try:
            moderation.provider_reject(
                operator=request.user, provider=provider, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                add_service_errors(form, exc)
            else:
                messages.info(request, " ".join(exc.messages))
                return redirect("operator:provider_detail", pk=provider.pk)
        else:
            messages.success(request, f"Заявка «{provider.short_name}» отклонена.")
            return redirect("operator:queue")
    return _provider_page(request, provider, reject_form=form, status=400)


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
    try:
        moderation.program_approve(operator=request.user, program=program)
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
        return redirect("operator:program_detail", pk=program.pk)
    messages.success(request, f"Программа «{program.title}» опубликована.")
    return redirect("operator:queue")


@require_POST
@role_required(*OPERATOR_ROLES)
def program_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = cabinet.program_get_for_operator(user=request.user, pk=pk)
    form = ProgramReturnForm(request.POST)
    if form.is_valid():
        try:
            moderation.program_return(
                operator=request.user, program=program, remarks=form.cleaned_data["remarks"]
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                add_service_errors(form, exc)
            else:
                messages.info(request, " ".join(exc.messages))
                return redirect("operator:program_detail", pk=program.pk)
        else:
            messages.success(request, f"Программа «{program.title}» возвращена на доработку.")
            return redirect("operator:queue")
    return _program_page(request, program, return_form=form, status=400)
