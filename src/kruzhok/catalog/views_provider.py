"""The provider's cabinet: joining, the organisation, its staff, programs and groups.

Access: anonymous visitors go to the log-in page, other roles get 403 (role_required); a
provider's staff reach only their own provider's objects (404 for anyone else's, from the
cabinet selectors); changing anything is for the provider's administrators (403 for teachers).
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kruzhok.accounts.access import request_user
from kruzhok.accounts.backends import LOGIN_BACKEND
from kruzhok.accounts.models import Role, User
from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.accounts.selectors import user_email_is_taken
from kruzhok.catalog import cabinet, moderation, services
from kruzhok.catalog.forms_provider import (
    GroupForm,
    InvitationRegistrationForm,
    ProgramForm,
    ProviderJoinForm,
    ProviderProfileForm,
    StaffInviteForm,
    schedule_formset,
)
from kruzhok.catalog.models import Group, Program, ProgramState
from kruzhok.common.forms import add_service_errors
from kruzhok.providers import invitations, joining
from kruzhok.providers import moderation as provider_moderation
from kruzhok.providers import selectors as provider_selectors
from kruzhok.providers import services as provider_services
from kruzhok.providers.models import StaffInvitation, StaffRole
from kruzhok.providers.selectors import StaffAccess


def _require_admin(access: StaffAccess) -> None:
    if not access.is_admin:
        raise PermissionDenied("Это может только администратор организации.")


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


# Joining -----------------------------------------------------------------------------------


def join(request: HttpRequest) -> HttpResponse:
    """A provider asks to join: its administrator's account and the organisation's details."""
    if request.user.is_authenticated:
        user = request_user(request)
        if user.is_provider_staff:
            return redirect("provider:home")
        return render(request, "catalog/provider/join_signed_in.html")
    form = ProviderJoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff = joining.provider_join(
                email=data["email"],
                password=data["password1"],
                last_name=data["last_name"],
                first_name=data["first_name"],
                patronymic=data["patronymic"],
                phone=data["phone"],
                kind=data["kind"],
                full_name=data["full_name"],
                short_name=data["short_name"],
                inn=data["inn"],
                ogrn=data["ogrn"],
                license_number=data["license_number"],
                address=data["address"],
                municipality=data["municipality"],
                org_phone=data["org_phone"],
                org_email=data["org_email"],
                website=data["website"],
                bank_name=data["bank_name"],
                bik=data["bik"],
                settlement_account=data["settlement_account"],
                correspondent_account=data["correspondent_account"],
                site_url=_site_url(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"password": "password1"})
        else:
            auth_login(request, staff.user, backend=LOGIN_BACKEND)
            messages.success(
                request,
                f"Заявка «{staff.provider.short_name}» отправлена оператору на проверку. "
                f"Мы отправили письмо на {staff.user.email}: откройте ссылку из него, чтобы "
                "подтвердить адрес.",
            )
            return redirect("provider:home")
    status = 400 if form.is_bound else 200
    return render(request, "catalog/provider/join.html", {"form": form}, status=status)


# Cabinet home and the organisation ---------------------------------------------------------


@role_required(Role.PROVIDER)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's status, its programs and groups, and where to go next."""
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


@role_required(Role.PROVIDER)
def profile_edit(request: AuthenticatedHttpRequest, provider_id: int) -> HttpResponse:
    access = provider_selectors.provider_get_for_staff(user=request.user, pk=provider_id)
    _require_admin(access)
    provider = access.provider
    initial = {name: getattr(provider, name) for name in provider_services.PROFILE_FIELDS}
    initial["org_phone"], initial["org_email"] = provider.phone, provider.email
    form = ProviderProfileForm(request.POST or None, initial=initial, kind=provider.kind)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["phone"], data["email"] = data.pop("org_phone"), data.pop("org_email")
        try:
            provider_services.provider_profile_update(
                actor=request.user,
                provider=provider,
                **{name: data[name] for name in provider_services.PROFILE_FIELDS},
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"phone": "org_phone", "email": "org_email"})
        else:
            messages.success(request, "Сведения об организации сохранены.")
            return redirect("provider:home")
    return render(
        request,
        "catalog/provider/profile_form.html",
        {"form": form, "provider": provider},
        status=400 if form.is_bound else 200,
    )


@require_POST
@role_required(Role.PROVIDER)
def provider_resubmit(request: AuthenticatedHttpRequest, provider_id: int) -> HttpResponse:
    access = provider_selectors.provider_get_for_staff(user=request.user, pk=provider_id)
    _require_admin(access)
    try:
        provider_moderation.provider_resubmit(actor=request.user, provider=access.provider)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Заявка снова отправлена оператору на проверку.")
    return redirect("provider:home")


# Staff -------------------------------------------------------------------------------------


@role_required(Role.PROVIDER)
def staff(request: AuthenticatedHttpRequest, provider_id: int) -> HttpResponse:
    """The provider's staff and pending invitations; the form that invites one more."""
    access = provider_selectors.provider_get_for_staff(user=request.user, pk=provider_id)
    _require_admin(access)
    provider = access.provider
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitations.staff_invite(
                provider=provider,
                inviter=request.user,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                site_url=_site_url(request),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Приглашение отправлено на {invitation.email}. Ссылка в письме действует 7 дней.",
            )
            return redirect("provider:staff", provider_id=provider.pk)
    return render(
        request,
        "catalog/provider/staff.html",
        {
            "provider": provider,
            "form": form,
            "staff": provider_selectors.staff_list(provider=provider),
            "invitations": provider_selectors.invitation_list_pending(provider=provider),
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
@role_required(Role.PROVIDER)
def invitation_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(StaffInvitation, pk=pk, provider__staff__user=request.user)
    access = provider_selectors.provider_get_for_staff(user=request.user, pk=invitation.provider_id)
    _require_admin(access)
    try:
        invitations.staff_invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, f"Приглашение для {invitation.email} отозвано.")
    return redirect("provider:staff", provider_id=invitation.provider_id)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: a new person sets a name and password, a registered one accepts."""
    try:
        invitation = invitations.staff_invitation_open(token=token)
    except ValidationError as exc:
        return render(
            request,
            "catalog/provider/invitation_failed.html",
            {"reason": " ".join(exc.messages)},
            status=400,
        )
    context: dict[str, Any] = {"invitation": invitation, "provider": invitation.provider}
    user = request.user if isinstance(request.user, User) else None
    registered = user_email_is_taken(email=invitation.email)

    if user is not None:
        if user.email.lower() != invitation.email:
            context["other_user"] = user
            return render(request, "catalog/provider/invitation.html", context)
        if user.role != Role.PROVIDER:
            context["error"] = invitations.INVITATION_OTHER_ROLE
            return render(request, "catalog/provider/invitation.html", context)
        if request.method == "POST":
            try:
                invitations.staff_invitation_accept(token=token, user=user)
            except ValidationError as exc:
                context["error"] = " ".join(exc.messages)
                return render(request, "catalog/provider/invitation.html", context, status=400)
            messages.success(request, f"Вы в команде «{invitation.provider.short_name}».")
            return redirect("provider:home")
        context["can_accept"] = True
        return render(request, "catalog/provider/invitation.html", context)

    if registered:
        context["login_url"] = reverse("accounts:login") + "?" + urlencode({"next": request.path})
        return render(request, "catalog/provider/invitation.html", context)

    form = InvitationRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff_member = invitations.staff_invitation_register(
                token=token,
                password=data["password1"],
                last_name=data["last_name"],
                first_name=data["first_name"],
                patronymic=data["patronymic"],
                phone=data["phone"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                add_service_errors(form, exc, field_map={"password": "password1"})
            else:
                return render(
                    request,
                    "catalog/provider/invitation_failed.html",
                    {"reason": " ".join(exc.messages)},
                    status=400,
                )
        else:
            auth_login(request, staff_member.user, backend=LOGIN_BACKEND)
            messages.success(
                request, f"Добро пожаловать в команду «{invitation.provider.short_name}»."
            )
            return redirect("provider:home")
    context["form"] = form
    return render(
        request,
        "catalog/provider/invitation.html",
        context,
        status=400 if form.is_bound else 200,
    )


# Programs ----------------------------------------------------------------------------------


def _program_arguments(data: dict[str, Any], names: Any) -> dict[str, Any]:
    return {name: data[name] for name in names if name in data}


@role_required(Role.PROVIDER)
def program_create(request: AuthenticatedHttpRequest, provider_id: int) -> HttpResponse:
    access = provider_selectors.provider_get_for_staff(user=request.user, pk=provider_id)
    _require_admin(access)
    form = ProgramForm(request.POST or None, initial={"address": access.provider.address})
    if request.method == "POST" and form.is_valid():
        try:
            program = services.program_create(
                provider=access.provider,
                **_program_arguments(form.cleaned_data, services.PROGRAM_EDITABLE_FIELDS),
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
    _require_admin(access)
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
    _require_admin(access)
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


# Groups ------------------------------------------------------------------------------------


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
                    saved = services.group_create(program=program, **arguments)
                else:
                    saved = services.group_update(group=group, **arguments)
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
    _require_admin(access)
    if program.state == ProgramState.ARCHIVED:
        messages.info(request, "Программа в архиве: новые группы в ней не открываются.")
        return redirect("provider:program_detail", pk=program.pk)
    return _group_page(request, program=program, group=None, access=access)


@role_required(Role.PROVIDER)
def group_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group, access = cabinet.group_get_for_staff(user=request.user, pk=pk)
    _require_admin(access)
    return _group_page(request, program=group.program, group=group, access=access)
