"""The operator's reports, the financing program editor and the population figures.

Access: operators and regional administrators only (others get 403); an operator sees only
their municipality (another's, asked for by `?municipality=` or by a program's number, is
404), a regional administrator every municipality and the region as a whole.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_POST

from kruzhok.accounts.models import Role
from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.billing.selectors import operator_municipality_ids
from kruzhok.certificates import financing_reads
from kruzhok.certificates import selectors as certificate_selectors
from kruzhok.certificates.financing import (
    financing_program_change,
    financing_program_next_create,
    financing_rules,
    next_period,
)
from kruzhok.certificates.models import FinancingProgram
from kruzhok.common.forms import add_service_errors
from kruzhok.common.models import Municipality
from kruzhok.common.money import format_kopecks
from kruzhok.common.population import population_get, population_set, population_xlsx_read
from kruzhok.common.xlsx import XLSX_CONTENT_TYPE
from kruzhok.reports import charts, selectors, tables
from kruzhok.reports.forms import FinancingProgramForm, PopulationForm, PopulationImportForm
from kruzhok.reports.tables import MONEY, PERCENT, RATIO, Scope, Table

ROLES = (Role.OPERATOR, Role.REGIONAL_ADMIN)
PAGE_SIZE = 50
EARLIEST, LATEST = datetime.date(2000, 1, 1), datetime.date(2100, 12, 31)


def _scope(request: AuthenticatedHttpRequest) -> tuple[Scope, str]:
    """The report's municipalities and date from the query, and a message about a date that
    could not be read (the report then is for today)."""
    allowed = operator_municipality_ids(user=request.user)
    if not allowed:
        raise Http404("Муниципалитет не найден.")
    wanted = request.GET.get("municipality", "")
    if wanted.isdigit() and len(wanted) < 10:
        if int(wanted) not in allowed:
            raise Http404("Муниципалитет не найден.")
        ids = [int(wanted)]
    elif request.user.role == Role.REGIONAL_ADMIN:
        ids = allowed
    else:
        ids = allowed[:1]
    today = timezone.localdate()
    on, problem = today, ""
    text = request.GET.get("on", "")
    if text:
        try:
            on = datetime.date.fromisoformat(text[:10])
        except ValueError:
            problem = f"Дату отчёта не удалось прочитать: отчёт на сегодня, {today:%d.%m.%Y}."
        else:
            if not EARLIEST <= on <= LATEST:
                on, problem = today, "Дата отчёта — с 2000 по 2100 год: отчёт на сегодня."
    return Scope(ids, selectors.municipality_names(municipality_ids=ids), on), problem


def _filters(request: AuthenticatedHttpRequest, scope: Scope) -> dict[str, object]:
    municipalities = (
        list(Municipality.objects.filter(pk__in=scope_all(request)).order_by("name"))
        if request.user.role == Role.REGIONAL_ADMIN
        else []
    )
    chosen = scope.municipality_ids[0] if len(scope.municipality_ids) == 1 else None
    query = f"on={scope.on.isoformat()}" + (f"&municipality={chosen}" if chosen else "")
    return {"scope": scope, "municipalities": municipalities, "chosen": chosen, "query": query}


def scope_all(request: AuthenticatedHttpRequest) -> list[int]:
    return operator_municipality_ids(user=request.user)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def cell_text(kind: str, value: object) -> str:
    if value is None:
        return "—"
    if kind == MONEY:
        return format_kopecks(int(value))  # type: ignore[call-overload]
    if kind == PERCENT:
        return _percent(float(value))  # type: ignore[arg-type]
    if kind == RATIO:
        return f"{float(value):.2f}".replace(".", ",")  # type: ignore[arg-type]
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u00a0")
    return str(value)


def table_chart(table: Table) -> SafeString | None:
    """The chart that goes with a table, drawn from the same rows."""
    rows = list(table.rows[:12]) if table.name in ("providers", "programs") else table.rows
    if table.name.startswith("coverage"):
        with_population = [r for r in rows if r[2]]
        if with_population:
            return charts.bar_chart(
                title=f"{table.title}, %",
                bars=[charts.Bar(r[0], r[3] or 0.0, _percent(r[3])) for r in with_population],
                maximum=100.0,
            )
        return charts.bar_chart(
            title=f"{table.title}: детей",
            bars=[charts.Bar(r[0], r[1], cell_text("count", r[1])) for r in rows],
        )
    if table.name == "certificates":
        return charts.bar_chart(
            title=table.title, bars=[charts.Bar(r[0], r[1], cell_text("count", r[1])) for r in rows]
        )
    if table.name == "money" and rows:
        return charts.line_chart(
            title=table.title,
            labels=[_month_short(r[0]) for r in rows],
            series=[
                charts.Series("Остаток", [r[5] for r in rows]),
                charts.Series("Резерв", [r[4] for r in rows]),
                charts.Series("Списано", [r[2] for r in rows]),
                charts.Series("Зачислено", [r[1] for r in rows]),
            ],
            value_text=format_kopecks,
        )
    if table.name == "providers" and rows:
        return charts.bar_chart(
            title="Выручка поставщиков (первые 12)",
            bars=[charts.Bar(r[0], r[6], format_kopecks(r[6])) for r in rows],
        )
    if table.name == "programs" and rows:
        return charts.bar_chart(
            title="Заявок на место (первые 12 программ)",
            bars=[charts.Bar(r[0], r[6] or 0.0, cell_text(RATIO, r[6])) for r in rows],
        )
    return None


def _month_short(label: str) -> str:
    """«октябрь 2026» → «окт 26», so that a year of months fits under a phone's chart."""
    month, _, year = label.partition(" ")
    return f"{month[:3]} {year[2:]}"


def _rows_for_html(table: Table, rows: object) -> list[list[tuple[str, str]]]:
    return [
        [(c.kind, cell_text(c.kind, v)) for c, v in zip(table.columns, row, strict=True)]
        for row in rows  # type: ignore[attr-defined]
    ]


@role_required(*ROLES)
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The dashboard: the headline figures and two charts, links to every table."""
    scope, problem = _scope(request)
    if problem:
        messages.warning(request, problem)
    figures = selectors.dashboard_figures(municipality_ids=scope.municipality_ids, on=scope.on)
    total = figures.total
    coverage = tables.coverage_direction(scope, (figures.total, figures.directions))
    return render(
        request,
        "reports/index.html",
        {
            **_filters(request, scope),
            "total": total,
            "total_percent": _percent(total.percent),
            "use": figures.use,
            "counted_at": figures.counted_at,
            "money_now": certificate_selectors.certificate_money_now(
                municipality_ids=scope.municipality_ids
            ),
            "coverage_chart": table_chart(coverage),
            "titles": TITLES,
        },
    )


TITLES = {
    "coverage-direction": "Охват по направленностям",
    "coverage-age": "Охват по возрастам",
    "coverage-municipality": "Охват по муниципалитетам",
    "certificates": "Сертификаты",
    "money": "Средства по месяцам",
    "providers": "Поставщики",
    "programs": "Программы",
}


def _table(request: AuthenticatedHttpRequest, name: str) -> tuple[Scope, Table, str]:
    build = tables.REPORTS.get(name)
    if build is None:
        raise Http404("Такого отчёта нет.")
    scope, problem = _scope(request)
    return scope, build(scope), problem


@role_required(*ROLES)
def report(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    scope, table, problem = _table(request, name)
    if problem:
        messages.warning(request, problem)
    page = Paginator(table.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/report.html",
        {
            **_filters(request, scope),
            "name": name,
            "table": table,
            "rows": _rows_for_html(table, page.object_list),
            "page": page,
            "chart": table_chart(table),
            "titles": TITLES,
        },
    )


@role_required(*ROLES)
def report_xlsx(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    scope, table, _ = _table(request, name)
    response = HttpResponse(tables.table_xlsx(table, scope), content_type=XLSX_CONTENT_TYPE)
    filename = f"{name}-{scope.on:%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Population figures ---------------------------------------------------------------------------


def _municipality(request: AuthenticatedHttpRequest) -> Municipality:
    allowed = operator_municipality_ids(user=request.user)
    wanted = request.GET.get("municipality") or request.POST.get("municipality") or ""
    pk = int(wanted) if wanted.isdigit() and len(wanted) < 10 else (allowed[0] if allowed else 0)
    if pk not in allowed:
        raise Http404("Муниципалитет не найден.")
    return Municipality.objects.get(pk=pk)


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def population(request: AuthenticatedHttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    current = population_get(municipality=municipality)
    today = timezone.localdate()
    initial = {"as_of": today} | {f"age_{age}": n for age, n in current.items()}
    form = PopulationForm(initial=initial)
    upload = PopulationImportForm(initial={"as_of": today})
    if request.method == "POST":
        if "file" in request.FILES or request.POST.get("action") == "import":
            upload = PopulationImportForm(request.POST, request.FILES)
            if upload.is_valid():
                try:
                    figures = population_xlsx_read(data=upload.cleaned_data["file"])
                    population_set(
                        municipality=municipality,
                        figures=figures,
                        as_of=upload.cleaned_data["as_of"],
                        actor=request.user,
                    )
                except ValidationError as refusal:
                    add_service_errors(upload, refusal)
                else:
                    messages.success(request, f"Загружено возрастов: {len(figures)}.")
                    return _back_to_population(municipality)
        else:
            form = PopulationForm(request.POST)
            if form.is_valid():
                try:
                    population_set(
                        municipality=municipality,
                        figures=form.figures(),
                        as_of=form.cleaned_data["as_of"],
                        actor=request.user,
                    )
                except ValidationError as refusal:
                    add_service_errors(form, refusal)
                else:
                    messages.success(request, "Численность детей сохранена.")
                    return _back_to_population(municipality)
    return render(
        request,
        "reports/population.html",
        {
            "municipality": municipality,
            "municipalities": _choices(request),
            "form": form,
            "upload": upload,
            "total": sum(current.values()),
        },
    )


def _back_to_population(municipality: Municipality) -> HttpResponse:
    return redirect(f"{reverse('reports:population')}?municipality={municipality.pk}")


def _choices(request: AuthenticatedHttpRequest) -> list[Municipality]:
    if request.user.role != Role.REGIONAL_ADMIN:
        return []
    return list(Municipality.objects.filter(pk__in=scope_all(request)).order_by("name"))


# The financing program editor ---------------------------------------------------------------


@role_required(*ROLES)
def financing(request: AuthenticatedHttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    programs = list(
        FinancingProgram.objects.filter(municipality=municipality).order_by("-period_start")
    )
    latest = programs[0] if programs else None
    return render(
        request,
        "reports/financing_list.html",
        {
            "municipality": municipality,
            "municipalities": _choices(request),
            "programs": programs,
            "latest": latest,
            "next_period": next_period(latest) if latest else None,
        },
    )


def _program(request: AuthenticatedHttpRequest, pk: int) -> FinancingProgram:
    """A program of a municipality the user may see, or 404."""
    return get_object_or_404(
        FinancingProgram.objects.select_related("municipality"),
        pk=pk,
        municipality_id__in=operator_municipality_ids(user=request.user),
    )


@require_POST
@role_required(*ROLES)
def financing_next(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    try:
        created = financing_program_next_create(financing_program=program, actor=request.user)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect(f"{reverse('reports:financing')}?municipality={program.municipality_id}")
    messages.success(
        request,
        "Программа на следующий период создана с правилами текущей: измените их до начала периода.",
    )
    return redirect("reports:financing_edit", pk=created.pk)


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def financing_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    today = timezone.localdate()
    rules = financing_rules(financing_program=program)
    form = FinancingProgramForm(initial=FinancingProgramForm.initial_for(rules, today))
    if request.method == "POST":
        form = FinancingProgramForm(request.POST)
        if form.is_valid():
            try:
                changes = financing_program_change(
                    financing_program=program,
                    rules=form.rules(),
                    effective_from=form.cleaned_data["effective_from"],
                    actor=request.user,
                    today=today,
                )
            except ValidationError as refusal:
                add_service_errors(form, refusal, {"bands": "band_0_nominal"})
            else:
                waiting = [c for c in changes if c.applied_at is None]
                text = f"Сохранено изменений: {len(changes)}."
                if waiting:
                    text += (
                        f" Вступят в силу {waiting[0].effective_from:%d.%m.%Y}: "
                        + ", ".join(c.get_field_display().lower() for c in waiting)
                        + "."
                    )
                messages.success(request, text)
                return redirect("reports:financing_edit", pk=program.pk)
    return render(
        request,
        "reports/financing_edit.html",
        {
            "program": program,
            "form": form,
            "figures": financing_reads.financing_budget_figures(financing_program=program),
            "changes": financing_reads.financing_program_changes(financing_program=program)[:100],
            "today": today,
        },
    )
