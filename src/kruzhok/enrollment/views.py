from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from kruzhok.accounts.models import Role
from kruzhok.catalog.models import Group
from kruzhok.common.permissions import AuthenticatedHttpRequest, client_ip, role_required
from kruzhok.enrollment import selectors, services
from kruzhok.enrollment.forms import ApplyForm, RejectForm
from kruzhok.enrollment.models import ApplicationStatus
from kruzhok.families.selectors import child_list_for_guardian


@role_required(Role.PARENT)
def apply(request: AuthenticatedHttpRequest, group_id: int) -> HttpResponse:
    group = get_object_or_404(
        Group.objects.select_related("program__provider").prefetch_related("schedule"),
        pk=group_id,
    )
    children = child_list_for_guardian(user=request.user)
    form = ApplyForm(request.POST or None, children=children)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                application = services.application_submit(
                    parent=request.user,
                    child=form.cleaned_data["child"],
                    group=group,
                )
            except services.EnrollmentError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                if application.status == ApplicationStatus.ACCEPTED:
                    messages.success(
                        request, "Место за ребёнком. Осталось принять оферту договора."
                    )
                else:
                    messages.success(request, "Заявка подана. Организация рассмотрит её и ответит.")
                return redirect("enrollment:application_detail", pk=application.pk)
        status = 400
    return render(
        request,
        "enrollment/apply.html",
        {"group": group, "program": group.program, "form": form, "has_children": children.exists()},
        status=status,
    )


def _application_page(
    request: AuthenticatedHttpRequest, pk: int, *, error: str = "", status: int = 200
) -> HttpResponse:
    application = selectors.application_get_for_parent(user=request.user, pk=pk)
    offer = None
    if application.status == ApplicationStatus.ACCEPTED:
        offer = services.offer_compute(application=application)
    return render(
        request,
        "enrollment/application_detail.html",
        {
            "application": application,
            "contract": getattr(application, "contract", None),
            "offer": offer,
            "next_step": selectors.application_next_step(application=application),
            "error": error,
        },
        status=status,
    )


@role_required(Role.PARENT)
def application_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _application_page(request, pk)


@require_POST
@role_required(Role.PARENT)
def offer_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_parent(user=request.user, pk=pk)
    try:
        contract = services.contract_accept(
            parent=request.user,
            application=application,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except services.EnrollmentError as error:
        return _application_page(request, pk, error=error.message, status=409)
    messages.success(request, f"Договор № {contract.number} заключён.")
    return redirect("enrollment:application_detail", pk=pk)


@require_POST
@role_required(Role.PARENT)
def application_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_parent(user=request.user, pk=pk)
    try:
        services.application_cancel(parent=request.user, application=application)
    except services.EnrollmentError as error:
        return _application_page(request, pk, error=error.message, status=409)
    messages.info(request, "Заявка отозвана.")
    return redirect("enrollment:application_detail", pk=pk)


@role_required(Role.PROVIDER)
def provider_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", ApplicationStatus.SUBMITTED)
    if status not in ApplicationStatus.values and status != "all":
        status = ApplicationStatus.SUBMITTED
    applications = selectors.application_queue_for_staff(
        user=request.user,
        status="" if status == "all" else status,
    )
    return render(
        request,
        "enrollment/provider_queue.html",
        {
            "applications": applications[:200],
            "status": status,
            "statuses": ApplicationStatus.choices,
            "reject_form": RejectForm(),
        },
    )


@require_POST
@role_required(Role.PROVIDER)
def provider_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_staff(user=request.user, pk=pk)
    try:
        services.application_accept(actor=request.user, application=application)
    except services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Заявка №{application.pk} принята: место за ребёнком.")
    return redirect("enrollment:provider_queue")


@role_required(Role.PROVIDER)
def provider_reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_staff(user=request.user, pk=pk)
    form = RejectForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.application_reject(
                    actor=request.user,
                    application=application,
                    reason=form.cleaned_data["reason"],
                )
            except services.EnrollmentError as error:
                form.add_error("reason" if error.field == "reason" else None, error.message)
            else:
                messages.info(request, f"Заявка №{application.pk} отклонена.")
                return redirect("enrollment:provider_queue")
        status = 400
    return render(
        request,
        "enrollment/provider_reject.html",
        {"application": application, "form": form},
        status=status,
    )
