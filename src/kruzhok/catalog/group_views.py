"""The provider's cabinet: a program's groups, each with its weekly schedule.

Access: anonymous visitors go to the log-in page, other roles get 403 (role_required); a
provider's staff reach only their own provider's groups (404 for anyone else's, from the
cabinet selectors); creating and changing them is for the provider's administrators (403 for
teachers).
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.catalog import cabinet, groups
from kruzhok.catalog.group_forms import GroupForm, schedule_formset
from kruzhok.catalog.models import Group, Program, ProgramState
from kruzhok.providers import selectors as provider_selectors
from kruzhok.providers.selectors import StaffAccess


def _schedule_initial(group: Group) -> list[dict[str, Any]]:
    return [
        {"weekday": slot.weekday, "start_time": slot.start_time, "hours": slot.hours}
        for slot in group.schedule.all()
    ]


def _group_page(
    request: AuthenticatedHttpRequest,
    *,
    program: Program,
    group: Group | None,
    access: StaffAccess,
) -> HttpResponse:
    teachers = provider_selectors.provider_teachers(provider=access.provider)
    if group is None:
        initial: dict[str, Any] = {"enrollment_open": True}
        schedule_initial: list[dict[str, Any]] = []
    else:
        initial = {
            "name": group.name,
            "teacher": group.teacher_id,
            "capacity": group.capacity,
            "start_date": group.start_date,
            "end_date": group.end_date,
            "enrollment_open": group.enrollment_open,
            "auto_accept": group.auto_accept,
        }
        schedule_initial = _schedule_initial(group)
    data = request.POST if request.method == "POST" else None
    schedule_errors: list[str] = []
    form = GroupForm(data, initial=initial, teachers=teachers)
    formset = schedule_formset(data, initial=schedule_initial)
    if data is not None:
        form_ok, formset_ok = form.is_valid(), formset.is_valid()
        if form_ok and formset_ok:
            arguments = dict(form.cleaned_data, schedule=formset.entries())
            try:
                if group is None:
                    saved = groups.group_create(program=program, **arguments)
                else:
                    saved = groups.group_update(group=group, **arguments)
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
                schedule_errors = errors.pop("schedule", [])
                for field, field_errors in errors.items():
                    form.add_error(field if field in form.fields else None, field_errors)
            else:
                messages.success(
                    request,
                    f"Группа «{saved.name}» сохранена, занятия расставлены по расписанию.",
                )
                return redirect("provider:program_detail", pk=program.pk)
    return render(
        request,
        "catalog/provider/group_form.html",
        {
            "form": form,
            "formset": formset,
            "schedule_errors": [*formset.non_form_errors(), *schedule_errors]
            if data is not None
            else [],
            "program": program,
            "group": group,
            "provider": access.provider,
        },
        status=400 if data is not None else 200,
    )


@role_required(Role.PROVIDER)
def group_create(request: AuthenticatedHttpRequest, program_id: int) -> HttpResponse:
    program, access = cabinet.program_get_for_staff(user=request.user, pk=program_id)
    access.admin_required()
    if program.state == ProgramState.ARCHIVED:
        messages.info(request, "Программа в архиве: новые группы в ней не открываются.")
        return redirect("provider:program_detail", pk=program.pk)
    return _group_page(request, program=program, group=None, access=access)


@role_required(Role.PROVIDER)
def group_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group, access = cabinet.group_get_for_staff(user=request.user, pk=pk)
    access.admin_required()
    return _group_page(request, program=group.program, group=group, access=access)
