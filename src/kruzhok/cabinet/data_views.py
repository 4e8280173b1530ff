"""«Мои данные»: a parent downloads everything the portal keeps about the family and may ask
to delete it (152-ФЗ, ст. 14 and 21)."""

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from kruzhok.accounts.access import request_user
from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import role_required
from kruzhok.cabinet.my_data import family_data_export, family_last_financial_record
from kruzhok.families.models import DataDeletionRequest
from kruzhok.families.privacy import family_deletion_request


@role_required(Role.PARENT)
def my_data(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    deletion = DataDeletionRequest.objects.filter(user=user, anonymised_at=None).first()
    return render(
        request,
        "cabinet/my_data.html",
        {"deletion": deletion, "consent": user.consents.order_by("-given_at").first()},
    )


@role_required(Role.PARENT)
def my_data_export(request: HttpRequest) -> HttpResponse:
    data = family_data_export(user=request_user(request))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    today = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="kruzhok-moi-dannye-{today}.json"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.PARENT)
@require_POST
def my_data_delete(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.POST.get("confirm") != "on":
        messages.error(
            request, "Отметьте, что вы понимаете последствия, чтобы отправить запрос на удаление."
        )
        return redirect("cabinet:my_data")
    deletion = family_deletion_request(
        parent=user, last_financial_record=family_last_financial_record(user=user)
    )
    messages.success(
        request,
        "Запрос на удаление данных принят. Персональные данные будут обезличены "
        f"{deletion.anonymise_after:%d.%m.%Y}.",
    )
    return redirect("cabinet:my_data")
