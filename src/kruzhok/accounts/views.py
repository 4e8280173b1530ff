from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kruzhok.accounts import services
from kruzhok.accounts.access import request_user
from kruzhok.accounts.backends import LOGIN_BACKEND
from kruzhok.accounts.forms import LoginForm, RegistrationForm
from kruzhok.accounts.models import User
from kruzhok.common.forms import add_service_errors


def role_home_url(user: User) -> str:
    """Where a person starts after logging in: the page of their role."""
    if user.is_provider_staff:
        return reverse("provider:home")
    if user.is_operator:
        return reverse("oversight:home")
    return reverse("cabinet:home")


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(role_home_url(request_user(request)))
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                email=data["email"],
                password=data["password1"],
                last_name=data["last_name"],
                first_name=data["first_name"],
                patronymic=data["patronymic"],
                phone=data["phone"],
                municipality=data["municipality"],
                site_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, field_map={"password": "password1"})
        else:
            auth_login(request, user, backend=LOGIN_BACKEND)
            messages.success(
                request,
                f"Вы зарегистрированы. Мы отправили письмо на {user.email}: откройте ссылку "
                "из письма, чтобы подтвердить адрес электронной почты.",
            )
            return redirect("cabinet:home")
    return render(request, "accounts/register.html", {"form": form})


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        # Used when there is no safe `next`: each role starts on its own page.
        return role_home_url(request_user(self.request))


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
