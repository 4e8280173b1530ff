from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kruzhok.accounts.access import request_user
from kruzhok.accounts.models import Role
from kruzhok.certificates.selectors import certificate_card
from kruzhok.common.forms import add_service_errors
from kruzhok.common.permissions import role_required
from kruzhok.enrollment.selectors import application_list_for_child
from kruzhok.families import selectors, services
from kruzhok.families.forms import ChildForm


@role_required(Role.PARENT)
def cabinet(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    summaries = selectors.child_summaries_for_guardian(user=user, today=timezone.localdate())
    return render(request, "families/cabinet.html", {"summaries": summaries})


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
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"{child.first_name} теперь в вашем личном кабинете. Выберите кружок в каталоге "
                "— сертификат оформится автоматически при заключении первого договора.",
            )
            return redirect("families:child_detail", pk=child.pk)
    return render(request, "families/child_add.html", {"form": form})


@role_required(Role.PARENT)
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    child = selectors.child_get_for_guardian(user=request_user(request), pk=pk)
    return render(
        request,
        "families/child_detail.html",
        {
            "child": child,
            "age": child.age_on(timezone.localdate()),
            "card": certificate_card(child=child),
            "applications": application_list_for_child(child=child),
        },
    )
