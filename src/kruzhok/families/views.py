"""A family's own data: adding a child (the cabinet that shows it is `kruzhok.cabinet`)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kruzhok.accounts.access import request_user
from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import role_required
from kruzhok.common.forms import add_service_errors
from kruzhok.families import services
from kruzhok.families.forms import ChildForm


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
