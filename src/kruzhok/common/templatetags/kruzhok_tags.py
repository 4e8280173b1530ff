"""The project's built-in template tags and filters (settings: TEMPLATES' `builtins`): every
template has them without `{% load %}`.

`url` and `static` here are Django's, kept once worked out: every page's frame names a dozen
addresses and static files, and Django works each of them out again on every request (a
URL's reversal walks the resolver's patterns, a static file's looks its hashed name up in
the manifest and quotes it) — on a catalogue or program page a tenth of the rendering. An
address without arguments and a static file's URL change only with the settings, the
URLconf or the deployment (a new process), so they are kept per process under what varies
from request to request (the script prefix, a request's own URLconf) and forgotten when a
setting they depend on changes (`setting_changed`: tests). `{% load static %}` puts
Django's own `static` back: only 500.html loads it (the error page keeps to Django's own
tags).
"""

import datetime
import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaulttags
from django.template.base import Parser, Token
from django.template.context import Context
from django.templatetags.static import static as static_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

from kruzhok.common.money import format_kopecks
from kruzhok.common.months import month_name

register = template.Library()


@functools.lru_cache(maxsize=512)
def _reversed(view_name: str, current_app: str | None, prefix: str, urlconf: str | None) -> str:
    return reverse(view_name, urlconf=urlconf, current_app=current_app)


@functools.lru_cache(maxsize=256)
def _static(path: str) -> str:
    return static_url(path)


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: object) -> None:
    """Forget what was worked out under the settings that changed."""
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _reversed.cache_clear()
    if setting in {"STATIC_URL", "STATIC_ROOT", "STORAGES", "INSTALLED_APPS"}:
        _static.cache_clear()


def url_kept(view_name: str, *args: object) -> str:
    """The address of `view_name` as `{% url %}` gives it (the Jinja2 pages' `url`): without
    arguments, kept as the tag keeps it."""
    if args:
        return reverse(view_name, args=args)
    return _reversed(view_name, None, get_script_prefix(), get_urlconf())


class _KeptURLNode(defaulttags.URLNode):
    """`{% url 'name' %}` (no arguments), reversed once per name, application, script prefix
    and URLconf; anything with arguments is Django's node as it is."""

    def render(self, context: Context) -> str:
        if self.args or self.kwargs:
            return super().render(context)
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None)
        if current_app is None:
            current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
        url = ""
        try:
            url = _reversed(view_name, current_app, get_script_prefix(), get_urlconf())
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> defaulttags.URLNode:
    """Django's `{% url %}`, its addresses without arguments kept (see the module)."""
    node = defaulttags.url(parser, token)
    return _KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@register.simple_tag
def static(path: str) -> str:
    """Django's `{% static %}`, each file's URL kept (see the module)."""
    return _static(path)


@register.filter
def rub(amount: int | None) -> str:
    """{{ 123456|rub }} -> '1 234,56 ₽'."""
    return "—" if amount is None else format_kopecks(amount)


@register.filter
def rub_plain(amount: int | None) -> str:
    """{{ 123456|rub_plain }} -> '1234,56': an amount to prefill a field with."""
    return "" if amount is None else format_kopecks(amount, currency=False).replace("\u00a0", "")


@register.filter(name="month_name")
def month_name_filter(day: datetime.date | None) -> str:
    """{{ closure.month|month_name }} -> 'октябрь 2026' (`|capfirst` for a heading)."""
    return "" if day is None else month_name(day)
