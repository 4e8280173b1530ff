from typing import Any

from django.contrib.messages import get_messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from kruzhok.accounts.models import User
from kruzhok.catalog import cards, selectors
from kruzhok.catalog.forms import (
    catalog_criteria,
    catalog_filter_form,
    catalog_search_arguments,
)
from kruzhok.catalog.program_page import program_page_read
from kruzhok.common.etags import page_etag
from kruzhok.families.models import Child
from kruzhok.families.selectors import child_list_for_guardian

PAGE_SIZE = 20


@require_GET
@vary_on_headers("HX-Request")
def program_list(request: HttpRequest) -> HttpResponse:
    """The catalogue: filters and results; an htmx request gets the results alone."""
    arguments = catalog_search_arguments(request.GET)
    # Drawn only when the filters' cached fragment is missing, or nothing was found.
    form = SimpleLazyObject(lambda: catalog_filter_form(request.GET))
    # The matches are counted and paged once for a few seconds (see the selectors); the cards
    # are cached per program version, their seat badges read live (see cards.py).
    paginator = Paginator(range(selectors.program_search_total(**arguments)), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    program_ids = selectors.program_search_page(page=page.number, page_size=PAGE_SIZE, **arguments)
    figures = selectors.program_figures(program_ids=program_ids)
    # Every anonymous visitor sees the same page: a refresh of one whose programs, seats and
    # count have not changed is answered 304 before anything is rendered (common.etags). A
    # pending message, or a person's own page (their name, their notifications), is not.
    etag = None
    if not request.user.is_authenticated and not get_messages(request):
        shown = cards.cards_shown(program_ids=program_ids, figures=figures)
        etag = page_etag(request, content=[paginator.count, shown])
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            return _revalidate_each_time(not_modified, etag)
    context: dict[str, Any] = {
        "form": form,
        "criteria": catalog_criteria(request.GET),
        "page": page,
        "cards": cards.program_cards(program_ids=program_ids, figures=figures),
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "total": paginator.count,
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        response = render(request, "catalog/_results_swap.html", context)
    else:
        response = render(request, "catalog/program_list.html", context)
    return _revalidate_each_time(response, etag) if etag else response


def _revalidate_each_time(response: HttpResponse, etag: str) -> HttpResponse:
    """The browser may keep the page but must ask each time whether it is still current (seat
    counts must not go stale), and no shared proxy keeps it (its CSRF token is the visitor's)."""
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_GET
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A published program: what, where, how much, its groups, and how to apply."""
    page = program_page_read(pk=pk, today=timezone.localdate())
    user = request.user
    # As the catalogue: an anonymous visitor's refresh of an unchanged page (its groups' seats,
    # costs and enrolment included) is answered 304 before anything is rendered.
    etag = None
    if not user.is_authenticated and not get_messages(request):
        etag = page_etag(request, content=page.shown())
        not_modified = get_conditional_response(request, etag=etag)
        if not_modified is not None:
            return _revalidate_each_time(not_modified, etag)
    is_parent = False
    children: list[Child] = []
    if isinstance(user, User) and user.is_parent:
        is_parent = True
        children = list(child_list_for_guardian(user=user))
    response = render(
        request,
        "catalog/program_detail.html",
        {
            "program": page.program,
            "groups": page.groups,
            "is_parent": is_parent,
            "children": children,
        },
    )
    return _revalidate_each_time(response, etag) if etag else response
