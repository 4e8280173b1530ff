import datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from kruzhok.accounts.models import Role
from kruzhok.attendance import selectors, services
from kruzhok.common.permissions import AuthenticatedHttpRequest, role_required
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
        {"groups": [(g, recent.get(g.pk)) for g in groups]},
    )


def _month(value: str | None) -> datetime.date:
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


@role_required(Role.PROVIDER)
def journal(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    group = selectors.group_get_for_journal(user=request.user, pk=pk)
    data = selectors.journal_for_month(group=group, month=_month(request.GET.get("month")))
    return render(request, "attendance/journal.html", {"journal": data, "group": group})


@role_required(Role.PROVIDER)
def lesson(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lesson = selectors.lesson_get_for_journal(user=request.user, pk=pk)
    roster = selectors.lesson_roster(lesson=lesson)
    return render(
        request,
        "attendance/lesson.html",
        {
            "lesson": lesson,
            "roster": roster,
            "any_markable": any(c.markable for c in roster),
        },
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
            {"cell": cell, "variant": variant, "error": error},
            status=409 if error else 200,
        )
    if error:
        messages.error(request, error)
    if variant == "cell":
        journal_url = reverse("attendance:journal", args=[lesson.group_id])
        return redirect(f"{journal_url}?month={lesson.date:%Y-%m}")
    return redirect("attendance:lesson", pk=lesson.pk)


@require_POST
@role_required(Role.PROVIDER)
def mark_all_present(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    lesson = selectors.lesson_get_for_journal(user=request.user, pk=pk)
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
    return redirect("attendance:lesson", pk=lesson.pk)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0
