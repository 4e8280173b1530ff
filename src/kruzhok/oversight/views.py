"""The operator's pages: the home page of what needs doing today, the registers with their
XLSX, the overdue applications and the audit log.

Access: operators and regional administrators only (403 for other roles); every row read is
within the municipalities the reader oversees (an operator's own, all for a regional
administrator), so another municipality's rows are never shown, nor counted.
"""

from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.permissions import AuthenticatedHttpRequest, role_required
from kruzhok.common.models import Municipality
from kruzhok.common.xlsx import XLSX_CONTENT_TYPE
from kruzhok.enrollment.selectors import application_overdue_list
from kruzhok.oversight.audit import audit_caption, audit_filtered, audit_rows, audit_xlsx
from kruzhok.oversight.forms import SnilsSearchForm
from kruzhok.oversight.menu import OPERATOR_ROLES, operator_menu
from kruzhok.oversight.registers import (
    EXPORT_ROW_LIMIT,
    PAGE_SIZE,
    REGISTERS,
    SNILS_ROWS,
    Register,
    register_xlsx,
)
from kruzhok.oversight.selectors import operator_today, oversight_municipalities


def _page(request: AuthenticatedHttpRequest, rows: Any) -> Page[Any]:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: AuthenticatedHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@role_required(*OPERATOR_ROLES)
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    municipalities = oversight_municipalities(user=request.user)
    return render(
        request,
        "oversight/home.html",
        {
            "municipalities": municipalities,
            "today": operator_today(municipalities=municipalities, today=timezone.localdate()),
            "menu": operator_menu(),
        },
    )


def _register(slug: str) -> Register:
    register = REGISTERS.get(slug)
    if register is None:
        raise Http404("Такого реестра нет.")
    return register


def _filtered(
    request: AuthenticatedHttpRequest, register: Register
) -> tuple[Any, list[Municipality], list[int], dict[str, Any] | None]:
    """The filter form, the reader's municipalities, those the rows come from, and the
    filters (None when they are wrong: the form says what to fix)."""
    municipalities = oversight_municipalities(user=request.user)
    form = register.filter_form(
        request.GET or None, municipalities=municipalities, hint=register.hint
    )
    ids = [m.pk for m in municipalities]
    if request.GET and not form.is_valid():
        return form, municipalities, ids, None
    data = form.cleaned_data if request.GET else {}
    if data.get("municipality"):
        ids = [data["municipality"]] if data["municipality"] in ids else []
    return form, municipalities, ids, data


def _register_page(
    request: AuthenticatedHttpRequest,
    register: Register,
    *,
    snils_form: SnilsSearchForm,
    found: QuerySet[Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    form, _municipalities, ids, data = _filtered(request, register)
    page = _page(request, register.pages_for(ids, data) if data is not None else [])
    shown = list(found) if found is not None else list(page.object_list)
    return render(
        request,
        "oversight/register.html",
        {
            "register": register,
            "registers": REGISTERS.values(),
            "form": form,
            "snils_form": snils_form,
            "found": found is not None,
            "page": page,
            "headers": [(c.header, c.money) for c in register.columns],
            "rows": [
                {
                    "cells": [(c.text(row), c.money) for c in register.columns],
                    "link": register.link(row) if register.link else None,
                }
                for row in shown
            ],
            "query": _query_without_page(request),
        },
        status=status,
    )


@role_required(*OPERATOR_ROLES)
def register(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """GET: the register, filtered and paginated. POST (registers of children and
    certificates): the rows of one СНИЛС, which therefore never appears in a URL."""
    chosen = _register(slug)
    if request.method != "POST":
        return _register_page(request, chosen, snils_form=SnilsSearchForm())
    if not chosen.snils_search:
        raise Http404("В этом реестре нет поиска по СНИЛС.")
    snils_form = SnilsSearchForm(request.POST)
    if not snils_form.is_valid():
        return _register_page(request, chosen, snils_form=snils_form, status=400)
    ids = [m.pk for m in oversight_municipalities(user=request.user)]
    found = SNILS_ROWS[slug](ids, snils_form.cleaned_data["snils"])
    return _register_page(request, chosen, snils_form=SnilsSearchForm(), found=found)


@role_required(*OPERATOR_ROLES)
def register_export(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The register as XLSX, with the page's filters."""
    chosen = _register(slug)
    _form, municipalities, ids, data = _filtered(request, chosen)
    back = f"{request.path.removesuffix('export.xlsx')}?{request.GET.urlencode()}"
    if data is None:
        messages.error(request, "Выгрузка не сделана: исправьте фильтры.")
        return redirect(back)
    rows = chosen.rows_for(ids, data)
    total = rows.count()
    if total > EXPORT_ROW_LIMIT:
        messages.error(
            request,
            f"Под фильтры подходит {total} строк, а в один файл выгружается не больше "
            f"{EXPORT_ROW_LIMIT}: уточните фильтры (муниципалитет, статус, поиск).",
        )
        return redirect(back)
    names = ", ".join(m.name for m in municipalities if m.pk in ids)
    content = register_xlsx(
        register=chosen,
        rows=rows.iterator(chunk_size=2000),
        caption=f"{chosen.title}: {names}" if names else chosen.title,
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    filename = f"{chosen.filename}-{timezone.localdate():%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(*OPERATOR_ROLES)
def applications_overdue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Applications the providers have not decided within three working days."""
    ids = [m.pk for m in oversight_municipalities(user=request.user)]
    today = timezone.localdate()
    rows = application_overdue_list(municipality_ids=ids, today=today)
    return render(
        request,
        "oversight/applications_overdue.html",
        {"page": _page(request, rows), "today": today, "query": _query_without_page(request)},
    )


@role_required(*OPERATOR_ROLES)
def audit(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The journal of actions, read-only: who did what, when, to what, with the details."""
    form, events = audit_filtered(user=request.user, query=request.GET)
    page = _page(request, events if events is not None else [])
    return render(
        request,
        "oversight/audit.html",
        {
            "form": form,
            "page": page,
            "rows": audit_rows(page.object_list),
            "query": _query_without_page(request),
            "export_limit": EXPORT_ROW_LIMIT,
        },
    )


@role_required(*OPERATOR_ROLES)
def audit_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The journal as XLSX, with the page's filters (at most `EXPORT_ROW_LIMIT` rows)."""
    form, events = audit_filtered(user=request.user, query=request.GET)
    back = f"{reverse('oversight:audit')}?{request.GET.urlencode()}"
    if events is None:
        messages.error(request, "Выгрузка не сделана: исправьте фильтры.")
        return redirect(back)
    total = events.count()
    if total > EXPORT_ROW_LIMIT:
        messages.error(
            request,
            f"Под фильтры подходит {total} записей, а в один файл выгружается не больше "
            f"{EXPORT_ROW_LIMIT}: уточните период или действие.",
        )
        return redirect(back)
    data = form.cleaned_data if request.GET else {}
    content = audit_xlsx(
        events=events.iterator(chunk_size=2000),
        caption=audit_caption(data.get("day_from"), data.get("day_to")),
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    filename = f"zhurnal-{timezone.localdate():%Y-%m-%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
