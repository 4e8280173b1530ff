"""The Jinja2 engine of the pages Django's template language made too slow (settings:
TEMPLATES' second engine, templates in `jinja2/` folders): a program's page, the portal's
hottest in a rush, with what it includes, and the catalogue's frame.

A parent's program page cost the portal about 2.7 ms of CPU, a millisecond of it Django
rendering the page (bench/page_cpu.py); Jinja2 compiles a template to Python and draws the
same page in a fraction of that. Its filters and functions here are the project's own (and
Django's) that the Django templates use, under the same names where they can be: `rub`,
`ru_plural("a,b,c")`, `schedule_summary`, `linebreaks`, `urlencode`, `url(name, *args)`,
`static(path)`. Each page gets the request, its CSRF token and the same context processors
as the other pages (settings), its context made as Django's templates make theirs (`Jinja2`,
the engine, below). Their frame, jinja2/base.html, repeats templates/base.html:
tests/test_jinja_frame.py holds the two equal.

This module stands above the apps (as the URLconf): it may name any of them.
"""

import datetime
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.backends import jinja2 as backend
from django.template.defaultfilters import linebreaks_filter, urlencode
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from jinja2 import Environment

from kruzhok.catalog.templatetags.catalog_tags import ru_plural, schedule_summary
from kruzhok.common.templatetags.kruzhok_tags import rub, static, url_kept
from kruzhok.enrollment.offers import CertificateMoney, offer_estimates
from kruzhok.enrollment.submission import DECISION_WORKING_DAYS


def _dmy(day: datetime.date | None) -> str:
    """{{ day|dmy }} -> '07.12.2026' (Django's `date:"d.m.Y"`)."""
    return "" if day is None else f"{day:%d.%m.%Y}"


def _linebreaks(text: str) -> str:
    """Django's `linebreaks`: paragraphs and <br>, the text escaped."""
    return linebreaks_filter(text, autoescape=True)


class Template(backend.Template):
    """Django's Jinja2 template, its context made as Django's templates make theirs. Django's
    Jinja2 backend lets the context processors overwrite what the view gives (a page that read
    its unread count with other things in one cache round trip would read it again) and masks
    a new CSRF token each time a page names one (31 µs each; a parent's program page names it
    four times): here the view's values win over the processors', and the token is taken once
    for the page. Its output is marked safe, as a Django template's is."""

    def render(
        self, context: dict[str, Any] | None = None, request: HttpRequest | None = None
    ) -> SafeString:
        """What the template drew, marked safe as Django's templates mark theirs (it escaped
        what it was given): a Jinja2 partial drawn into a Django page stays HTML."""
        if request is None:
            return mark_safe(super().render(context))
        token = SimpleLazyObject(lambda: get_token(request))
        made: dict[str, Any] = {
            "request": request,
            "csrf_token": token,
            "csrf_input": SimpleLazyObject(
                lambda: format_html(
                    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token
                )
            ),
        }
        for processor in self.backend.template_context_processors:
            made |= processor(request)
        return mark_safe(super().render(made | (context or {})))


class Jinja2(backend.Jinja2):
    """Django's Jinja2 engine, its templates `Template` above."""

    def from_string(self, template_code: str) -> Template:
        return Template(self.env.from_string(template_code), self)

    def get_template(self, template_name: str) -> Template:
        return Template(super().get_template(template_name).template, self)


def environment(**options: Any) -> Environment:
    """The Jinja2 environment of the settings' second engine, with the project's filters and
    functions (see the module)."""
    env = Environment(**options)
    env.filters |= {
        "rub": rub,
        "ru_plural": ru_plural,
        "schedule_summary": schedule_summary,
        "linebreaks": _linebreaks,
        "urlencode": urlencode,
        "dmy": _dmy,
    }
    env.globals |= {
        "url": url_kept,
        "static": static,
        # A page listing several groups reads each child's certificate money once.
        "certificate_money": CertificateMoney,
        "enrollment_estimates": lambda group, children, course, money: offer_estimates(
            group=group, children=list(children), course=course, certificate_money=money
        ),
        "decision_working_days": DECISION_WORKING_DAYS,
    }
    return env
