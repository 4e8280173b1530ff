"""The provider's pages of the providers app: joining, the organisation's profile, its staff
and their invitations. (The cabinet's home, programs and groups are the catalogue's pages.)

Access: anonymous visitors go to the log-in page, other roles get 403 (role_required); a
provider's staff reach only their own provider (404 for anyone else's, from the selectors);
changing anything is for the provider's administrators (403 for teachers). Joining and the
invitation link are open to visitors.
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kruzhok.accounts.access import request_user
from kruzhok.accounts.backends import LOGIN_BACKEND
from kruzhok.accounts.models import Role, User
from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.accounts.selectors import user_email_is_taken
from kruzhok.common.forms import add_service_errors
from kruzhok.providers import invitations, joining, moderation, selectors, services
from kruzhok.providers.forms import (
    InvitationRegistrationForm,
    ProviderJoinForm,
    ProviderProfileForm,
    StaffInviteForm,
)
from kruzhok.providers.models import StaffInvitation


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


# Joining -----------------------------------------------------------------------------------


def join(request: HttpRequest) -> HttpResponse:
    """A provider asks to join: its administrator's account and the organisation's details."""
    if request.user.is_authenticated:
        user = request_user(request)
        if user.is_provider_staff:
            return redirect("provider:home")
        return render(request, "providers/join_signed_in.html")
    form = ProviderJoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            joining.provider_join(
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
            # The same page whether the organisation joined or the address was taken (its
            # owner got a letter instead, nothing was created): the answer says nothing about
            # who is registered, so the person logs in afterwards, as a parent does.
            return redirect("provider:join_done")
    status = 400 if form.is_bound else 200
    return render(request, "providers/join.html", {"form": form}, status=status)


def join_done(request: HttpRequest) -> HttpResponse:
    return render(request, "providers/join_done.html")


# The organisation ---------------------------------------------------------------------------


@role_required(Role.PROVIDER)
def profile_edit(request: AuthenticatedHttpRequest, provider_id: int) -> HttpResponse:
    access = selectors.provider_get_for_staff(user=request.user, pk=provider_id)
    access.admin_required()
    provider = access.provider
    initial = {name: getattr(provider, name) for name in services.PROFILE_FIELDS}
    initial["org_phone"], initial["org_email"] = provider.phone, provider.email
    form = ProviderProfileForm(request.POST or None, initial=initial, kind=provider.kind)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["phone"], data["email"] = data.pop("org_phone"), data.pop("org_email")
        try:
            services.provider_profile_update(
                actor=request.user,
                provider=provider,
                **{name: data[name] for name in services.PROFILE_FIELDS},
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"phone": "org_phone", "email": "org_email"})
        else:
            messages.success(request, "Сведения об организации сохранены.")
            return redirect("provider:home")
    return render(
        request,
        "providers/profile_form.html",
        {"form": form, "provider": provider},
        status=400 if form.is_bound else 200,
    )


@require_POST
@role_required(Role.PROVIDER)
def provider_resubmit(request: AuthenticatedHttpRequest, provider_id: int) -> HttpResponse:
    access = selectors.provider_get_for_staff(user=request.user, pk=provider_id)
    access.admin_required()
    try:
        moderation.provider_resubmit(actor=request.user, provider=access.provider)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Заявка снова отправлена оператору на проверку.")
    return redirect("provider:home")


# Staff -------------------------------------------------------------------------------------


@role_required(Role.PROVIDER)
def staff(request: AuthenticatedHttpRequest, provider_id: int) -> HttpResponse:
    """The provider's staff and pending invitations; the form that invites one more."""
    access = selectors.provider_get_for_staff(user=request.user, pk=provider_id)
    access.admin_required()
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
        "providers/staff.html",
        {
            "provider": provider,
            "form": form,
            "staff": selectors.staff_list(provider=provider),
            "invitations": selectors.invitation_list_pending(provider=provider),
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
@role_required(Role.PROVIDER)
def invitation_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(StaffInvitation, pk=pk, provider__staff__user=request.user)
    access = selectors.provider_get_for_staff(user=request.user, pk=invitation.provider_id)
    access.admin_required()
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
            "providers/invitation_failed.html",
            {"reason": " ".join(exc.messages)},
            status=400,
        )
    context: dict[str, Any] = {"invitation": invitation, "provider": invitation.provider}
    user = request.user if isinstance(request.user, User) else None
    registered = user_email_is_taken(email=invitation.email)

    if user is not None:
        if user.email.lower() != invitation.email:
            context["other_user"] = user
            return render(request, "providers/invitation.html", context)
        if user.role != Role.PROVIDER:
            context["error"] = invitations.INVITATION_OTHER_ROLE
            return render(request, "providers/invitation.html", context)
        if request.method == "POST":
            try:
                invitations.staff_invitation_accept(token=token, user=user)
            except ValidationError as exc:
                context["error"] = " ".join(exc.messages)
                return render(request, "providers/invitation.html", context, status=400)
            messages.success(request, f"Вы в команде «{invitation.provider.short_name}».")
            return redirect("provider:home")
        context["can_accept"] = True
        return render(request, "providers/invitation.html", context)

    if registered:
        context["login_url"] = reverse("accounts:login") + "?" + urlencode({"next": request.path})
        return render(request, "providers/invitation.html", context)

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
                    "providers/invitation_failed.html",
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
        "providers/invitation.html",
        context,
        status=400 if form.is_bound else 200,
    )
