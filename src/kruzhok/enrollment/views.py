from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import AuthenticatedHttpRequest, client_ip, role_required
from kruzhok.catalog.models import Group, Program
from kruzhok.common.bounds import id_parse, ids_parse
from kruzhok.enrollment import selectors, services, windows
from kruzhok.enrollment.contract_pdf import contract_pdf_available, contract_pdf_render
from kruzhok.enrollment.forms import ApplyForm, RejectForm, WindowForm, WithdrawForm
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.enrollment.offers import offer_estimates
from kruzhok.families.selectors import child_list_for_guardian

MANAGERS = (Role.PROVIDER, Role.OPERATOR, Role.REGIONAL_ADMIN)


# Parent ---------------------------------------------------------------------------------------


@role_required(Role.PARENT)
def apply(request: AuthenticatedHttpRequest, group_id: int) -> HttpResponse:
    form = ApplyForm(request.POST or None, children=child_list_for_guardian(user=request.user))
    status = 200
    if request.method == "POST":
        # At a rush this is the hot path: the service reads the group and the child itself,
        # so nothing else is read here unless the page has to be shown again.
        if form.is_valid():
            try:
                application = services.application_submit(
                    parent=request.user, child_id=form.cleaned_data["child"], group_id=group_id
                )
            except services.EnrollmentError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                if application.status == ApplicationStatus.ACCEPTED:
                    expires = timezone.localtime(application.offer_expires_at)
                    messages.success(
                        request,
                        "Заявка принята автоматически: в группе было свободное место, и оно "
                        "закреплено за ребёнком. Осталось принять оферту договора до "
                        f"{expires:%d.%m.%Y %H:%M}.",
                    )
                elif application.status == ApplicationStatus.WAITLISTED:
                    messages.info(
                        request,
                        "Свободных мест нет, поэтому заявка поставлена в лист ожидания. Когда "
                        "место освободится, она будет принята автоматически.",
                    )
                else:
                    messages.success(request, "Заявка подана. Организация рассмотрит её и ответит.")
                return redirect("enrollment:application_detail", pk=application.pk)
        status = 400
    group = get_object_or_404(
        Group.objects.select_related("program__provider").prefetch_related("schedule"),
        pk=group_id,
    )
    estimates = offer_estimates(group=group, children=list(form.children))
    clashes = [
        (child, warnings)
        for child in form.children
        if (warnings := selectors.schedule_clashes(child=child, group=group))
    ]
    return render(
        request,
        "enrollment/apply.html",
        {
            "group": group,
            "program": group.program,
            "form": form,
            "has_children": bool(form.children),
            "state": selectors.enrollment_state_for_group(group),
            "clashes": clashes,
            "reach_notes": selectors.certificate_reach_notes(
                children=form.children, group=group, day=timezone.localdate()
            ),
            "estimates": estimates,
            # The same partial as a program's page draws (Jinja2: kruzhok.jinja_env).
            "estimates_html": render_to_string(
                "enrollment/_estimates.html", {"estimates": estimates}, using="jinja2"
            ),
            "offer_valid_days": settings.KRUZHOK_OFFER_VALID_DAYS,
        },
        status=status,
    )


@role_required(Role.PARENT)
def application_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    applications = list(
        selectors.application_list_for_parent(user=request.user).order_by(
            "child__last_name", "child__first_name", "child_id", "-created_at", "-pk"
        )
    )
    rows = [(a, selectors.application_next_step(application=a)) for a in applications]
    return render(request, "enrollment/application_list.html", {"rows": rows})


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
            "clashes": selectors.schedule_clashes(child=application.child, group=application.group),
            "pdf_available": contract_pdf_available(application=application),
            "can_withdraw": application.status
            in (ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE),
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


def _withdraw_page(
    request: AuthenticatedHttpRequest, application: Application, *, back: str, done: str
) -> HttpResponse:
    form = WithdrawForm(request.POST or None, initial={"on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.contract_withdraw(
                    actor=request.user,
                    application=application,
                    on=form.cleaned_data["on"],
                    reason=form.cleaned_data["reason"],
                )
            except services.EnrollmentError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.info(
                    request,
                    f"{application.child.first_name} отчислен(а) с "
                    f"{form.cleaned_data['on']:%d.%m.%Y}. Неиспользованный резерв "
                    "сертификата освобождён.",
                )
                return redirect(done)
        status = 400
    return render(
        request,
        "enrollment/withdraw.html",
        {"application": application, "form": form, "back": back},
        status=status,
    )


@role_required(Role.PARENT)
def application_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_parent(user=request.user, pk=pk)
    url = reverse("enrollment:application_detail", args=[pk])
    return _withdraw_page(request, application, back=url, done=url)


@role_required(Role.PARENT, Role.PROVIDER)
def contract_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The contract (or the open offer) as PDF: for the child's parents and the provider's
    staff; anyone else, and an application with neither, gets 404."""
    if request.user.role == Role.PARENT:
        application = selectors.application_get_for_parent(user=request.user, pk=pk)
    else:
        application = selectors.application_get_for_staff(user=request.user, pk=pk)
    if not contract_pdf_available(application=application):
        raise Http404("Договора по этой заявке нет")
    contract = getattr(application, "contract", None)
    name = f"dogovor-{contract.number}.pdf" if contract else f"oferta-{application.pk}.pdf"
    response = HttpResponse(
        contract_pdf_render(application=application), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


# Provider -------------------------------------------------------------------------------------


def _queue_filters(request: AuthenticatedHttpRequest) -> tuple[str, int | None, bool]:
    status = request.GET.get("status", ApplicationStatus.SUBMITTED)
    if status not in ApplicationStatus.values and status != "all":
        status = ApplicationStatus.SUBMITTED
    group_id = id_parse(request.GET.get("group", ""))
    return status, group_id, request.GET.get("overdue") == "1"


@role_required(Role.PROVIDER)
def provider_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    status, group_id, overdue = _queue_filters(request)
    applications = selectors.application_queue_for_staff(
        user=request.user,
        status="" if status == "all" else status,
        group_id=group_id,
        overdue=overdue,
    )
    return render(
        request,
        "enrollment/provider_queue.html",
        {
            "applications": applications[:200],
            "status": status,
            "statuses": ApplicationStatus.choices,
            "groups": selectors.group_list_for_staff(user=request.user),
            "group_id": group_id,
            "overdue": overdue,
            "reject_form": RejectForm(),
            "decidable": (ApplicationStatus.SUBMITTED, ApplicationStatus.WAITLISTED),
            "withdrawable": (ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE),
        },
    )


def _back_to_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.POST.get("next_query", "")
    url = reverse("enrollment:provider_queue")
    return redirect(f"{url}?{query}" if query else url)


@require_POST
@role_required(Role.PROVIDER)
def provider_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_staff(user=request.user, pk=pk)
    try:
        application = services.application_accept(actor=request.user, application=application)
    except services.EnrollmentError as error:
        messages.error(request, error.message)
    else:
        if application.status == ApplicationStatus.WAITLISTED:
            messages.info(
                request,
                f"Мест в группе нет: заявка №{application.pk} поставлена в лист ожидания.",
            )
        else:
            messages.success(request, f"Заявка №{application.pk} принята: место за ребёнком.")
    return _back_to_queue(request)


@require_POST
@role_required(Role.PROVIDER)
def provider_bulk_accept(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Accept the ticked applications, each in its own transaction, and say what happened."""
    ids = sorted(ids_parse(request.POST.getlist("application")))
    if not ids:
        messages.error(request, "Отметьте заявки, которые нужно принять.")
        return _back_to_queue(request)
    queue = selectors.application_queue_for_staff(user=request.user)
    counts = {"accepted": 0, "waitlisted": 0}
    refused: list[str] = []
    # Oldest first, so that the seats go in the order the applications came.
    for application in queue.filter(pk__in=ids):
        try:
            result = services.application_accept(actor=request.user, application=application)
        except services.EnrollmentError as error:
            refused.append(f"№{application.pk}: {error.message}")
            continue
        counts["accepted" if result.status == ApplicationStatus.ACCEPTED else "waitlisted"] += 1
    not_found = len(ids) - counts["accepted"] - counts["waitlisted"] - len(refused)
    summary = f"Принято: {counts['accepted']}. В лист ожидания (мест нет): {counts['waitlisted']}."
    if refused or not_found:
        summary += f" Не приняты: {len(refused) + not_found}."
    messages.success(request, summary)
    for line in refused[:10]:
        messages.warning(request, line)
    return _back_to_queue(request)


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


@role_required(Role.PROVIDER)
def provider_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.application_get_for_staff(user=request.user, pk=pk)
    url = f"{reverse('enrollment:provider_queue')}?status=all&group={application.group_id}"
    return _withdraw_page(request, application, back=url, done=url)


# Enrolment windows (provider administrators and the operator) --------------------------------


@role_required(*MANAGERS)
def window_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    programs = windows.programs_for_window_manager(user=request.user)
    rows = [
        (
            program,
            [
                (group, selectors.enrollment_state_for_group(group))
                for group in program.groups.all()
            ],
        )
        for program in programs
    ]
    return render(request, "enrollment/window_list.html", {"rows": rows})


def _window_target(
    request: AuthenticatedHttpRequest, program_id: int | None, group_id: int | None
) -> tuple[Program, Group | None]:
    if group_id is not None:
        group = get_object_or_404(Group.objects.select_related("program__provider"), pk=group_id)
        program = group.program
    else:
        group = None
        program = get_object_or_404(Program.objects.select_related("provider"), pk=program_id)
    if not windows.can_manage_enrollment(user=request.user, provider=program.provider):
        raise Http404("Программа не найдена")
    return program, group


@role_required(*MANAGERS)
def window_edit(
    request: AuthenticatedHttpRequest, program_id: int | None = None, group_id: int | None = None
) -> HttpResponse:
    """Open, close or schedule enrolment into a program or one of its groups."""
    program, group = _window_target(request, program_id, group_id)
    target = {"group": group} if group is not None else {"program": program}
    window = windows.enrollment_window_own(**target)
    form = WindowForm(
        request.POST or None,
        initial={"opens_at": window and window.opens_at, "closes_at": window and window.closes_at},
    )
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            # Opening, closing and clearing take no dates: the fields' content is not theirs
            # to judge (and a refusal after the change was made would hide that it was).
            if action == "open":
                windows.enrollment_window_open(actor=request.user, **target)
                messages.success(request, "Запись открыта.")
                return redirect("enrollment:window_list")
            if action == "close":
                windows.enrollment_window_close(actor=request.user, **target)
                messages.info(request, "Запись закрыта.")
                return redirect("enrollment:window_list")
            if action == "clear":
                windows.enrollment_window_clear(actor=request.user, **target)
                messages.info(request, "Период записи удалён.")
                return redirect("enrollment:window_list")
            if form.is_valid():
                windows.enrollment_window_set(
                    actor=request.user,
                    opens_at=form.cleaned_data["opens_at"],
                    closes_at=form.cleaned_data["closes_at"],
                    **target,
                )
                messages.success(request, "Период записи сохранён.")
                return redirect("enrollment:window_list")
        except services.EnrollmentError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    return render(
        request,
        "enrollment/window_edit.html",
        {
            "program": program,
            "group": group,
            "window": window,
            "state": selectors.enrollment_state_for_group(group) if group else None,
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )
