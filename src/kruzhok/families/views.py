"""A family's own data: adding a child, second guardians by invitation (the cabinet that
shows the family is `kruzhok.cabinet`)."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kruzhok.accounts.access import request_user
from kruzhok.accounts.backends import LOGIN_BACKEND
from kruzhok.accounts.models import Role, User
from kruzhok.accounts.permissions import role_required
from kruzhok.accounts.selectors import user_email_is_taken
from kruzhok.accounts.services import CONSENT_VERSION
from kruzhok.common.forms import add_service_errors
from kruzhok.families import corrections, invitations, selectors, services
from kruzhok.families.forms import (
    ChildCorrectionForm,
    ChildForm,
    GuardianInviteForm,
    GuardianRegistrationForm,
)
from kruzhok.families.models import Child


@role_required(Role.PARENT)
def child_add(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = ChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            child = services.child_add(
                parent=user,
                last_name=data["last_name"],
                first_name=data["first_name"],
                patronymic=data["patronymic"],
                birth_date=data["birth_date"],
                snils=data["snils"],
            )
        except ValidationError as exc:
            if _refused_as_registered(exc):
                services.child_add_refusal_record(parent=user, snils=data["snils"])
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{child.first_name} теперь в вашем личном кабинете. Выберите кружок в каталоге "
                "— сертификат оформится автоматически при заключении первого договора.",
            )
            return redirect("cabinet:child_detail", pk=child.pk)
    return render(request, "families/child_add.html", {"form": form})


def _refused_as_registered(exc: ValidationError) -> bool:
    errors = exc.error_dict.get("snils", []) if hasattr(exc, "error_dict") else []
    return any(error.code == "registered" for error in errors)


# Second guardians ------------------------------------------------------------------------------


@role_required(Role.PARENT)
def guardians(request: HttpRequest) -> HttpResponse:
    """Who else sees each child, the invitations still open, and a new invitation."""
    user = request_user(request)
    family = selectors.family_guardians(user=user)
    form = GuardianInviteForm(
        request.POST or None, children=[(child.pk, child.full_name) for child, _ in family]
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitations.guardian_invite(
                inviter=user,
                email=form.cleaned_data["email"],
                child_ids=form.cleaned_data["children"],
                site_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Приглашение отправлено на {invitation.email}. Ссылка в письме действует "
                f"{invitations.INVITATION_MAX_AGE.days} дней.",
            )
            return redirect("families:guardians")
    return render(
        request,
        "families/guardians.html",
        {
            "family": family,
            "form": form,
            "pending": selectors.guardian_invitations_pending(inviter=user),
        },
        status=400 if form.is_bound else 200,
    )


@role_required(Role.PARENT)
@require_POST
def guardian_invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    invitation = selectors.guardian_invitation_get_for_inviter(inviter=user, pk=pk)
    try:
        invitations.guardian_invitation_revoke(actor=user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, f"Приглашение для {invitation.email} отозвано.")
    return redirect("families:guardians")


def _invitation_failed(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return render(
        request,
        "families/invitation_failed.html",
        {"reason": " ".join(exc.messages)},
        status=400,
    )


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: a registered parent accepts it, a new person registers."""
    try:
        invitation = invitations.guardian_invitation_open(token=token)
    except ValidationError as exc:
        return _invitation_failed(request, exc)
    context: dict[str, Any] = {
        "invitation": invitation,
        "children": invitations.invitation_children(invitation=invitation),
    }
    user = request.user if isinstance(request.user, User) else None
    if user is not None:
        if user.email.lower() != invitation.email:
            context["other_user"] = user
        elif user.role != Role.PARENT:
            context["error"] = invitations.INVITATION_NOT_PARENT
        elif request.method == "POST":
            try:
                children = invitations.guardian_invitation_accept(token=token, user=user)
            except ValidationError as exc:
                return _invitation_failed(request, exc)
            messages.success(request, _welcome(children))
            return redirect("cabinet:home")
        else:
            context["can_accept"] = True
        return render(request, "families/invitation.html", context)

    if user_email_is_taken(email=invitation.email):
        context["login_url"] = reverse("accounts:login") + "?" + urlencode({"next": request.path})
        return render(request, "families/invitation.html", context)

    form = GuardianRegistrationForm(
        request.POST or None, initial={"municipality": invitation.inviter.municipality_id}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new_user, children = invitations.guardian_invitation_register(
                token=token,
                password=data["password1"],
                last_name=data["last_name"],
                first_name=data["first_name"],
                patronymic=data["patronymic"],
                phone=data["phone"],
                municipality=data["municipality"],
                consent_version=CONSENT_VERSION,
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                return _invitation_failed(request, exc)
            add_service_errors(form, exc, field_map={"password": "password1"})
        else:
            auth_login(request, new_user, backend=LOGIN_BACKEND)
            messages.success(request, _welcome(children))
            return redirect("cabinet:home")
    context.update(form=form, consent_version=CONSENT_VERSION)
    return render(
        request, "families/invitation.html", context, status=400 if form.is_bound else 200
    )


def _welcome(children: list[Child]) -> str:
    names = ", ".join(child.first_name for child in children)
    return f"Вы законный представитель в личном кабинете: {names}."


# Corrections of a child's data -----------------------------------------------------------------


@role_required(Role.PARENT)
def child_correction(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the operator to correct the child's СНИЛС or birth date; earlier requests below."""
    user = request_user(request)
    child = selectors.child_get_for_guardian(user=user, pk=pk)
    form = ChildCorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        field = form.cleaned_data["field"]
        try:
            corrections.child_correction_request(
                parent=user,
                child=child,
                field=field,
                new_value=form.new_value,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"new_value": field})
        else:
            messages.success(
                request,
                "Запрос отправлен оператору муниципального опорного центра. Ответ придёт в "
                "уведомлениях; до решения данные ребёнка не меняются.",
            )
            return redirect("families:child_correction", pk=child.pk)
    return render(
        request,
        "families/child_correction.html",
        {
            "child": child,
            "form": form,
            "corrections": selectors.correction_list_for_child(child=child),
        },
        status=400 if form.is_bound else 200,
    )
