import datetime

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.attendance import exports, lessons, selectors, services
from kruzhok.attendance.forms import LessonCancelForm, LessonMoveForm
from kruzhok.billing import exports as billing_exports
from kruzhok.billing.selectors import contract_list_for_staff, month_closed_message
from kruzhok.catalog.group_access import is_provider_admin
from kruzhok.catalog.lesson_changes import lesson_change_history
from kruzhok.catalog.models import LessonStatus
from kruzhok.common.bounds import date_in_range, id_parse
from kruzhok.common.xlsx import XLSX_CONTENT_TYPE
from kruzhok.enrollment.models import Contract


@role_required(Role.PROVIDER)
def my_groups(request: AuthenticatedHttpRequest) -> HttpResponse:
    groups = selectors.group_list_for_journal(user=request.user)
    today = timezone.localdate()
    recent = {
        g.pk: g.lessons.filter(date__lte=today).order_by("-date", "-start_time").first()
        for g in groups
    }
    return render(
        request,
        "attendance/my_groups.html",
        {
            "today": today,
            "day": selectors.teacher_day(user=request.user, day=today),
            "groups": [(g, recent.get(g.pk)) for g in groups],
            "is_admin": is_provider_admin(user=request.user),
        },
    )


def _month(value: str | None) -> datetime.date:
    """The month asked for (`?month=2026-10`), or the current one when it is unreadable or
    outside the stated range of dates (its last day must still be a date)."""
    try:
        month = datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)
    if date_in_range(month):
        return timezone.localdate().replace(day=1)
    return month


@role_required(Role.PROVIDER)
def journal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get_for_journal(user=request.user, pk=pk)
    data = selectors.journal_for_month(group=group, month=_month(request.GET.get("month")))
    return render(
        request,
        "attendance/journal.html",
        {
            "journal": data,
            "group": group,
            "closed_message": month_closed_message(data.closure) if data.closure else "",
        },
    )


@role_required(Role.PROVIDER)
def journal_xlsx(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get_for_journal(user=request.user, pk=pk)
    data = selectors.journal_for_month(group=group, month=_month(request.GET.get("month")))
    return _xlsx(
        exports.journal_xlsx(journal=data), f"journal-group-{group.pk}-{data.month:%Y-%m}.xlsx"
    )


@role_required(Role.PROVIDER)
def contracts_xlsx(request: AuthenticatedHttpRequest) -> HttpResponse:
    contracts = contract_list_for_staff(user=request.user)
    content = billing_exports.contracts_xlsx(contracts=contracts)
    return _xlsx(content, f"contracts-{timezone.localdate():%Y-%m-%d}.xlsx")


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(Role.PROVIDER)
def lesson(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lesson = selectors.lesson_get_for_journal(user=request.user, pk=pk)
    roster = selectors.lesson_roster(lesson=lesson)
    closure = selectors.lesson_closure(lesson=lesson)
    return render(
        request,
        "attendance/lesson.html",
        {
            "lesson": lesson,
            "roster": roster,
            "any_markable": any(c.markable for c in roster),
            "late": _late(lesson.date),
            "late_days": settings.KRUZHOK_LATE_MARK_DAYS,
            "closed_message": month_closed_message(closure) if closure else "",
            "changes": lesson_change_history(lesson=lesson),
            "changeable": lesson.status != LessonStatus.CANCELLED
            and closure is None
            and not any(c.present for c in roster),
        },
    )


@role_required(Role.PROVIDER)
def lesson_change(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Cancel or move a lesson: two small forms on one page, each with its own button."""
    lesson = selectors.lesson_get_for_journal(user=request.user, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    cancel_form = LessonCancelForm(request.POST if action == "cancel" else None, prefix="cancel")
    move_form = LessonMoveForm(
        request.POST if action == "move" else None,
        prefix="move",
        initial={"new_start_time": lesson.start_time},
    )
    move_form.fields["new_date"].widget.attrs["min"] = timezone.localdate().isoformat()
    error = ""
    if action == "cancel" and cancel_form.is_valid():
        try:
            lessons.lesson_cancel(
                actor=request.user, lesson=lesson, reason=cancel_form.cleaned_data["reason"]
            )
        except lessons.LessonChangeError as exc:
            error = str(exc)
        else:
            messages.success(request, "Занятие отменено, родители получили уведомление.")
            return redirect("attendance:lesson", pk=lesson.pk)
    elif action == "move" and move_form.is_valid():
        try:
            lessons.lesson_move(
                actor=request.user,
                lesson=lesson,
                new_date=move_form.cleaned_data["new_date"],
                new_start_time=move_form.cleaned_data["new_start_time"],
                reason=move_form.cleaned_data["reason"],
            )
        except lessons.LessonChangeError as exc:
            error = str(exc)
        else:
            messages.success(request, "Занятие перенесено, родители получили уведомление.")
            return redirect("attendance:lesson", pk=lesson.pk)
    return render(
        request,
        "attendance/lesson_change.html",
        {
            "lesson": lesson,
            "cancel_form": cancel_form,
            "move_form": move_form,
            "action": action,
            "error": error,
        },
        status=200 if action is None else (409 if error else 400),
    )


@require_POST
@role_required(Role.PROVIDER)
def mark(request: AuthenticatedHttpRequest) -> HttpResponse:
    lesson = selectors.lesson_get_for_journal(
        user=request.user,
        pk=_int(request.POST.get("lesson")),
    )
    contract = get_object_or_404(
        Contract.objects.select_related("application__child"),
        pk=_int(request.POST.get("contract")),
        application__group=lesson.group,
    )
    present = request.POST.get("present") == "1"
    variant = "cell" if request.POST.get("variant") == "cell" else "row"
    error = ""
    try:
        services.attendance_mark(
            actor=request.user,
            lesson=lesson,
            contract=contract,
            present=present,
            reason=request.POST.get("change_reason", "")[:500],
        )
    except services.AttendanceError as exc:
        error = str(exc)
    if request.htmx:  # type: ignore[attr-defined]
        cell = next(
            (c for c in selectors.lesson_roster(lesson=lesson) if c.contract.pk == contract.pk),
            None,
        )
        return render(
            request,
            "attendance/_mark.html",
            {
                "cell": cell,
                "variant": variant,
                "error": error,
                "saved": not error,
                "late": _late(lesson.date),
            },
            status=409 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            f"Сохранено: {contract.application.child.initials_name} — "
            f"{'был(а)' if present else 'не был(а)'} {lesson.date:%d.%m.%Y}.",
        )
    if variant == "cell":
        journal_url = reverse("attendance:journal", args=[lesson.group_id])
        return redirect(f"{journal_url}?month={lesson.date:%Y-%m}")
    return redirect("attendance:lesson", pk=lesson.pk)


@require_POST
@role_required(Role.PROVIDER)
def mark_all_present(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lesson = selectors.lesson_get_for_journal(user=request.user, pk=pk)
    closure = selectors.lesson_closure(lesson=lesson)
    if closure is not None:
        messages.error(request, month_closed_message(closure))
        return redirect("attendance:lesson", pk=lesson.pk)
    marked = 0
    for cell in selectors.lesson_roster(lesson=lesson):
        if cell.markable and cell.present is None:
            try:
                services.attendance_mark(
                    actor=request.user,
                    lesson=lesson,
                    contract=cell.contract,
                    present=True,
                )
            except services.AttendanceError as exc:
                messages.error(request, f"{cell.contract.application.child.initials_name}: {exc}")
            else:
                marked += 1
    messages.success(request, f"Отмечено присутствующими: {marked}.")
    if request.POST.get("next") == "journal":
        journal_url = reverse("attendance:journal", args=[lesson.group_id])
        return redirect(f"{journal_url}?month={lesson.date:%Y-%m}#lesson-{lesson.pk}")
    return redirect("attendance:lesson", pk=lesson.pk)


def _late(day: datetime.date) -> bool:
    return services.mark_is_late(lesson_date=day, today=timezone.localdate())


def _int(value: str | None) -> int:
    """An identifier from the form, or 0 (no such row) when it is not one that fits."""
    return id_parse(value) or 0
