import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from kruzhok.accounts import profile, services
from kruzhok.accounts.access import request_user
from kruzhok.accounts.forms import (
    ChangePasswordForm,
    ConsentForm,
    EmailChangeForm,
    LoginForm,
    NewPasswordForm,
    ParentRegistrationForm,
    ProfileForm,
    ResetRequestForm,
)
from kruzhok.accounts.models import Role, User
from kruzhok.accounts.permissions import client_ip
from kruzhok.accounts.rate_limits import rate_limit_hit
from kruzhok.accounts.selectors import consent_missing, login_failures_from
from kruzhok.common.forms import add_service_errors


def role_home_url(user: User) -> str:
    """Where a person starts after logging in: the page of their role."""
    if user.is_provider_staff:
        return reverse("provider:home")
    if user.is_operator:
        return reverse("oversight:home")
    return reverse("cabinet:home")


REGISTRATIONS_PER_HOUR_MESSAGE = (
    "За последний час из вашей сети было слишком много регистраций. Подождите час и "
    "попробуйте снова; если вы уже зарегистрированы, войдите или задайте новый пароль."
)
RESETS_PER_HOUR_MESSAGE = (
    "Письмо для нового пароля запрашивали слишком часто. Подождите час и попробуйте снова; "
    "письмо, отправленное раньше, продолжает действовать."
)
CLIENT_LOCKED_MESSAGE = (
    "Из вашей сети было слишком много попыток входа с неверным паролем. Подождите 15 минут "
    "и попробуйте снова или задайте новый пароль."
)


def _too_many(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "accounts/too_many_attempts.html", {"reason": reason}, status=429)


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(role_home_url(request_user(request)))
    form = ParentRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not rate_limit_hit(
            scope="register",
            key=client_ip(request) or "",
            limit=settings.KRUZHOK_REGISTRATIONS_PER_HOUR,
            window=datetime.timedelta(hours=1),
        ):
            return _too_many(request, REGISTRATIONS_PER_HOUR_MESSAGE)
        data = form.cleaned_data
        try:
            services.parent_register(
                email=data["email"],
                password=data["password1"],
                last_name=data["last_name"],
                first_name=data["first_name"],
                patronymic=data["patronymic"],
                phone=data["phone"],
                municipality=data["municipality"],
                consent_version=services.CONSENT_VERSION,
                site_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"password": "password1"})
        else:
            # The same page whether the account was made or the address was taken (its owner
            # got a letter instead): the answer says nothing about who is registered.
            return redirect("accounts:register_done")
    return render(
        request,
        "accounts/register.html",
        {"form": form, "consent_version": services.CONSENT_VERSION},
    )


def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/register_done.html")


def consent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/consent.html", {"version": services.CONSENT_VERSION})


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # django-axes locks one e-mail from one client; this caps one client over all e-mails,
        # so nobody can walk a list of addresses from one place.
        ip = client_ip(request)
        if ip and login_failures_from(ip=ip) >= settings.KRUZHOK_LOGIN_CLIENT_FAILURE_LIMIT:
            return _too_many(request, CLIENT_LOCKED_MESSAGE)
        return super().post(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        # Used when there is no safe `next`: each role starts on its own page.
        return role_home_url(request_user(self.request))

    def get_success_url(self) -> str:
        url = super().get_success_url()
        # A member of staff who has not agreed to the processing of personal data yet (their
        # account was made by an invitation, a join or the superuser) reads the text first.
        if consent_missing(user=request_user(self.request)):
            return f"{reverse('accounts:consent_accept')}?{urlencode({'next': url})}"
        return url


@login_required
def consent_accept(request: HttpRequest) -> HttpResponse:
    """The consent to the processing of personal data, read and agreed to at the first log-in
    of a member of staff; then on to where they were going."""
    user = request_user(request)
    version = services.consent_version_for(user=user)
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    onward = wanted if wanted and safe else role_home_url(user)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_give(user=user, version=version)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Согласие записано. Спасибо!")
            return redirect(onward)
    return render(
        request,
        "accounts/consent_accept.html",
        {
            "form": form,
            "version": version,
            "next": onward,
            "staff": user.role != Role.PARENT,
            "given": not consent_missing(user=user),
        },
    )


def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.user_confirm_email(token=token)
    except ValidationError as exc:
        return render(
            request,
            "accounts/confirm_email_failed.html",
            {"reason": " ".join(exc.messages)},
            status=400,
        )
    messages.success(request, "Адрес электронной почты подтверждён. Спасибо!")
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect(role_home_url(user))
    if request.user.is_authenticated:
        return redirect("home")
    return redirect("accounts:login")


@login_required
@require_POST
def confirm_email_resend(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if user.email_confirmed_at is not None:
        messages.info(request, "Ваш адрес электронной почты уже подтверждён.")
    else:
        services.user_send_email_confirmation(user=user, site_url=request.build_absolute_uri("/"))
        messages.success(
            request,
            f"Мы отправили новое письмо на {user.email}. Ссылка из него действует 7 дней.",
        )
    return redirect(role_home_url(user))


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        window = datetime.timedelta(hours=1)
        limit = settings.KRUZHOK_PASSWORD_RESETS_PER_HOUR
        email = form.cleaned_data["email"]
        if not (
            rate_limit_hit(
                scope="reset_client", key=client_ip(self.request) or "", limit=limit, window=window
            )
            and rate_limit_hit(scope="reset_email", key=email, limit=3, window=window)
        ):
            return _too_many(self.request, RESETS_PER_HOUR_MESSAGE)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


def _profile_page(
    request: HttpRequest,
    *,
    profile_form: ProfileForm | None = None,
    email_form: EmailChangeForm | None = None,
) -> HttpResponse:
    user = request_user(request)
    profile_form = profile_form or ProfileForm(
        phone_required=user.is_parent,
        initial={
            "last_name": user.last_name,
            "first_name": user.first_name,
            "patronymic": user.patronymic,
            "phone": user.phone,
        },
    )
    bound = profile_form.is_bound or (email_form is not None and email_form.is_bound)
    return render(
        request,
        "accounts/profile.html",
        {"profile_form": profile_form, "email_form": email_form or EmailChangeForm()},
        status=400 if bound else 200,
    )


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Anyone's own name and phone (the e-mail changes through `email_change`)."""
    if request.method != "POST":
        return _profile_page(request)
    form = ProfileForm(request.POST, phone_required=request_user(request).is_parent)
    if form.is_valid():
        data = form.cleaned_data
        try:
            profile.user_profile_update(
                user=request_user(request),
                last_name=data["last_name"],
                first_name=data["first_name"],
                patronymic=data["patronymic"],
                phone=data["phone"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Изменения сохранены.")
            return redirect("accounts:profile")
    return _profile_page(request, profile_form=form)


@login_required
@require_POST
def email_change(request: HttpRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST)
    if form.is_valid():
        try:
            new_email = profile.user_email_change_request(
                user=request_user(request),
                new_email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                site_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Мы отправили письмо на {new_email}. Откройте ссылку из него в течение "
                f"{profile.EMAIL_CHANGE_MAX_AGE.days} дней, и адрес сменится; до тех пор входите "
                "по прежнему адресу.",
            )
            return redirect("accounts:profile")
    return _profile_page(request, email_form=form)


def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = profile.user_email_change_confirm(token=token)
    except ValidationError as exc:
        return render(
            request,
            "accounts/email_change_failed.html",
            {"reason": " ".join(exc.messages)},
            status=400,
        )
    messages.success(
        request, f"Адрес электронной почты изменён: теперь вы входите как {user.email}."
    )
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("accounts:profile")
    if request.user.is_authenticated:
        return redirect("home")
    return redirect("accounts:login")
