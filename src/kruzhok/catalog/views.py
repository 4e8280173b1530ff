import functools
import hashlib
from typing import Any

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from kruzhok.accounts.models import User
from kruzhok.catalog import cards, selectors
from kruzhok.catalog.forms import (
    catalog_criteria,
    catalog_filter_form,
    catalog_search_arguments,
)
from kruzhok.catalog.models import Program
from kruzhok.catalog.program_page import program_page_read
from kruzhok.common.etags import page_etag
from kruzhok.common.shared_pages import anonymous_page, shared_content
from kruzhok.families.children_sql import guardian_children
from kruzhok.families.models import Child
from kruzhok.notifications.selectors import notification_unread_count, unread_key

PAGE_SIZE = 20

# A program's page and the catalogue's frame, the portal's hottest in a rush, are drawn by
# Jinja2 (kruzhok.jinja_env); what the catalogue shows is kept, drawn by Django's templates.
PAGE_ENGINE = "jinja2"


@require_GET
@vary_on_headers("HX-Request")
def program_list(request: HttpRequest) -> HttpResponse:
    """The catalogue: filters and results; an htmx request gets the results alone."""
    # A search is kept under its query string: its arguments are parsed (a form checked, or
    # their own cache) only when its matches are missing.
    search = "query:" + catalog_criteria(request.GET)
    arguments = functools.cache(lambda: catalog_search_arguments(request.GET))
    person = request.user if isinstance(request.user, User) else None
    # Drawn only when the filters' cached fragment is missing, or nothing was found.
    form = SimpleLazyObject(lambda: catalog_filter_form(request.GET))
    # The matches are counted and paged once for a few seconds, their seat figures kept for
    # two (see the selectors); the cards are cached per program version, their seat badges
    # filled from the figures (see cards.py). The count, the page and its figures are asked
    # for in one cache round trip (with a logged-in person's unread count); the page is read
    # again only when the paginator settles on another (a number past the last page, or not a
    # number).
    requested = request.GET.get("page")
    guess = 1
    if requested and requested.isascii() and requested.isdigit() and len(requested) <= 6:
        guess = max(int(requested), 1)
    figures_key = selectors.program_figures_key(search=search, page=guess, page_size=PAGE_SIZE)
    matches = selectors.program_search_matches(
        page=guess,
        page_size=PAGE_SIZE,
        search=search,
        arguments=arguments,
        also=[figures_key, *([unread_key(person.pk)] if person else [])],
    )
    paginator = Paginator(range(matches.total), PAGE_SIZE)
    page = paginator.get_page(requested)
    program_ids = matches.program_ids
    if page.number != guess:
        program_ids = selectors.program_search_matches(
            page=page.number, page_size=PAGE_SIZE, search=search, arguments=arguments
        ).program_ids
        figures = selectors.program_figures(program_ids=program_ids)
    else:
        # The seat figures at most FIGURES_TTL_S seconds old (kept with the search's page).
        figures = selectors.program_figures_kept(
            program_ids=program_ids, key=figures_key, kept=matches.also
        )
    shown = [paginator.count, cards.cards_shown(program_ids=program_ids, figures=figures)]

    htmx = getattr(request, "htmx", None)
    swap = bool(htmx and not htmx.history_restore_request)

    def content() -> SafeString:
        # What the page shows is the same for every visitor: kept under what it shows, drawn
        # without the request (common.shared_pages), the cards read only when it is missing.
        return shared_content(
            request=request,
            template_name="catalog/_results_swap.html"
            if swap
            else "catalog/_program_list_content.html",
            content=shown,
            context=lambda: {
                "form": form,
                "criteria": catalog_criteria(request.GET),
                "query": request.GET,
                "page": page,
                "cards": SimpleLazyObject(
                    lambda: cards.program_cards(program_ids=program_ids, figures=figures)
                ),
                "page_range": paginator.get_elided_page_range(
                    page.number, on_each_side=1, on_ends=1
                ),
                "total": paginator.count,
            },
        )

    anonymous = person is None and not get_messages(request)
    if swap and not anonymous:
        return HttpResponse(content())
    if not anonymous:
        # The person's own frame (their name, menu, unread count, a waiting message) around it.
        frame: dict[str, Any] = {"content": content()}
        if person:
            frame["unread_notifications"] = notification_unread_count(
                user=person, kept=matches.also
            )
        return render(request, "catalog/program_list.html", frame, using=PAGE_ENGINE)
    # Every anonymous visitor sees the same page: a refresh of one whose programs, seats and
    # count have not changed is answered 304 before anything is rendered (common.etags), and
    # the body is rendered once for all of them (common.shared_pages).
    etag = page_etag(request, content=shown)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _revalidate_each_time(not_modified, etag)
    if swap:
        response = HttpResponse(content())
    else:
        response = anonymous_page(
            request,
            "catalog/program_list.html",
            using=PAGE_ENGINE,
            content=shown,
            context=lambda: {"content": content()},
        )
    return _revalidate_each_time(response, etag)


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
    context: dict[str, Any] = {
        "program": page.program,
        "groups": page.groups,
        "is_parent": False,
        "children": [],
    }
    if user.is_authenticated or get_messages(request):
        person = user if isinstance(user, User) else None
        # What the program says and the badge's unread count: one cache round trip.
        about = program_about_key(page.program)
        kept = cache.get_many([about, *([unread_key(person.pk)] if person else [])])
        context["about"] = program_about(page.program, kept.get(about))
        if person is not None:
            context["unread_notifications"] = notification_unread_count(user=person, kept=kept)
        if person is not None and person.is_parent:
            # The children are offered only in the forms of groups taking applications now.
            children: list[Child] = []
            if any(row.enrolment.is_open for row in page.groups):
                children = guardian_children(user_id=person.pk)
            context |= {"is_parent": True, "children": children}
        return render(request, "catalog/program_detail.html", context, using=PAGE_ENGINE)
    # As the catalogue: an anonymous visitor's refresh of an unchanged page (its groups' seats,
    # costs and enrolment included) is answered 304 before anything is rendered, and the page
    # is rendered once for every anonymous visitor.
    shown = page.shown()
    etag = page_etag(request, content=shown)
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return _revalidate_each_time(not_modified, etag)
    response = anonymous_page(
        request,
        "catalog/program_detail.html",
        using=PAGE_ENGINE,
        content=shown,
        # Without `about`: the page, kept whole, draws what the program says in place.
        context=lambda: context,
    )
    return _revalidate_each_time(response, etag)


# What a program and its provider say changes only with them (the key names their version).
PROGRAM_ABOUT_TTL_S = 24 * 60 * 60


def program_about_key(program: Program) -> str:
    """Where the description of `program` (with its provider, `select_related`) is kept."""
    provider = program.provider
    said = (provider.short_name, provider.full_name, provider.address, provider.phone)
    digest = hashlib.blake2b(repr((*said, provider.email)).encode(), digest_size=8).hexdigest()
    return f"catalog:program-about:{program.pk}:{program.updated_at.timestamp()}:{digest}"


def program_about(program: Program, kept: str | None) -> SafeString:
    """What the program and its provider say, as its page shows it above the groups: `kept`,
    what the cache held under `program_about_key`, or rendered (without the request: nothing
    of the visitor's is in it) and kept."""
    if kept is None:
        kept = render_to_string(
            "catalog/_program_about.html", {"program": program}, using=PAGE_ENGINE
        )
        cache.set(program_about_key(program), kept, PROGRAM_ABOUT_TTL_S)
    return mark_safe(kept)  # rendered by the template above, escaped there
