"""The cabinet's «Ключи API» page: a person's tokens, a new one (shown once) and revoking."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kruzhok.accounts.access import request_user
from kruzhok.accounts.models import Role
from kruzhok.api import selectors, services
from kruzhok.api.forms import TokenForm
from kruzhok.providers.models import Provider
from kruzhok.providers.selectors import staff_memberships


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    providers: list[Provider] = []
    if user.role == Role.PROVIDER:
        providers = [m.provider for m in staff_memberships(user=user)]
    form = TokenForm(request.POST or None, providers=providers)
    secret = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.api_token_create(
                    user=user,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                    provider_id=form.cleaned_data.get("provider"),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                secret = created.secret
                form = TokenForm(providers=providers)
        if not secret:
            status = 400
    response = render(
        request,
        "api/token_list.html",
        {
            "tokens": selectors.api_token_list(user=user),
            "form": form,
            "secret": secret,
            "now_moment": timezone.now(),
        },
        status=status,
    )
    # The page may carry a secret shown once: never kept by a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    token = selectors.api_token_get(user=user, pk=pk)
    services.api_token_revoke(user=user, token=token)
    messages.info(request, f"Ключ «{token.name}» отозван: запросы с ним больше не принимаются.")
    return redirect("api_tokens:list")
