"""The provider's cabinet: its home page and its programs (the groups' pages are
`catalog.group_views`; joining, the profile and the staff are the providers app's pages).

Access: anonymous visitors go to the log-in page, other roles get 403 (role_required); a
provider's staff reach only their own provider's objects (404 for anyone else's, from the
cabinet selectors); changing anything is for the provider's administrators (403 for teachers).
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.catalog import cabinet, moderation, programs
from kruzhok.catalog.models import ProgramState
from kruzhok.catalog.program_forms import ProgramForm
from kruzhok.common.forms import add_service_errors
from kruzhok.providers import selectors as provider_selectors
from kruzhok.providers.models import StaffRole

# Cabinet home ------------------------------------------------------------------------------


@role_required(Role.PROVIDER)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's status, its programs and groups, and where to go next; a teacher's
    lessons of the day come first (attendance's `teacher_day` tag, in the template)."""
    sections = []
    for membership in provider_selectors.staff_memberships(user=request.user):
        provider = membership.provider
        sections.append(
            {
                "provider": provider,
                "is_admin": membership.role == StaffRole.ADMIN,
                "role": membership.get_role_display(),
                "rejection": provider_selectors.provider_last_rejection(provider=provider),
                "programs": list(cabinet.program_list_for_provider(provider=provider)),
                "groups": list(cabinet.group_list_for_provider(provider=provider)),
            }
        )
    return render(request, "catalog/provider/home.html", {"sections": sections})


# Programs ----------------------------------------------------------------------------------


def _program_arguments(data: dict[str, Any], names: Any) -> dict[str, Any]:
    return {name: data[name] for name in names if name in data}


@role_required(Role.PROVIDER)
def program_create(request: AuthenticatedHttpRequest, provider_id: int) -> HttpResponse:
    access = provider_selectors.provider_get_for_staff(user=request.user, pk=provider_id)
    access.admin_required()
    form = ProgramForm(request.POST or None, initial={"address": access.provider.address})
    if request.method == "POST" and form.is_valid():
        try:
            program = programs.program_create(
                provider=access.provider,
                **_program_arguments(form.cleaned_data, programs.PROGRAM_EDITABLE_FIELDS),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                "Программа сохранена как черновик. Добавьте группы и отправьте её на проверку.",
            )
            return redirect("provider:program_detail", pk=program.pk)
    return render(
        request,
        "catalog/provider/program_form.html",
        {"form": form, "provider": access.provider, "program": None},
        status=400 if form.is_bound else 200,
    )


@role_required(Role.PROVIDER)
def program_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program, access = cabinet.program_get_for_staff(user=request.user, pk=pk)
    return render(
        request,
        "catalog/provider/program_detail.html",
        {
            "program": program,
            "provider": access.provider,
            "is_admin": access.is_admin,
            "groups": cabinet.group_list_for_program_cabinet(program=program),
            "history": cabinet.program_history(program=program),
            "remarks": cabinet.program_last_remarks(program=program),
            "editable": bool(moderation.program_editable_fields(program=program)),
            "can_submit": program.state in (ProgramState.DRAFT, ProgramState.RETURNED),
            "can_archive": program.state != ProgramState.ARCHIVED,
            "can_add_group": program.state != ProgramState.ARCHIVED,
        },
    )


@role_required(Role.PROVIDER)
def program_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program, access = cabinet.program_get_for_staff(user=request.user, pk=pk)
    access.admin_required()
    editable = moderation.program_editable_fields(program=program)
    if not editable:
        messages.info(
            request,
            f"Программа в состоянии «{program.get_state_display()}»: изменить её сейчас нельзя.",
        )
        return redirect("provider:program_detail", pk=program.pk)
    form = ProgramForm(
        request.POST or None, initial=ProgramForm.initial_for(program), editable=editable
    )
    if request.method == "POST" and form.is_valid():
        try:
            moderation.program_edit(
                actor=request.user,
                program=program,
                **_program_arguments(form.cleaned_data, editable),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Изменения сохранены.")
            return redirect("provider:program_detail", pk=program.pk)
    return render(
        request,
        "catalog/provider/program_form.html",
        {
            "form": form,
            "provider": access.provider,
            "program": program,
            "published": program.state == ProgramState.PUBLISHED,
        },
        status=400 if form.is_bound else 200,
    )


def _program_transition(
    request: AuthenticatedHttpRequest, pk: int, *, action: Any, done: str
) -> HttpResponse:
    program, access = cabinet.program_get_for_staff(user=request.user, pk=pk)
    access.admin_required()
    try:
        action(actor=request.user, program=program)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("provider:program_detail", pk=program.pk)


@require_POST
@role_required(Role.PROVIDER)
def program_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _program_transition(
        request,
        pk,
        action=moderation.program_submit,
        done="Программа отправлена оператору на проверку. Мы сообщим о решении.",
    )


@require_POST
@role_required(Role.PROVIDER)
def program_archive(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _program_transition(
        request,
        pk,
        action=moderation.program_archive,
        done="Программа перенесена в архив и больше не видна в каталоге.",
    )
