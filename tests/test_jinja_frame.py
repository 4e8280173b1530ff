"""The two frames: templates/base.html (Django's, every page but a program's) and
jinja2/base.html (Jinja2's, a program's page: kruzhok.jinja_env) draw the same HTML for every
kind of visitor, so that a change to one that misses the other fails here."""

import re

import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.cache import SessionStore
from django.http import HttpRequest
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.notifications.services import notify

PAGE = (
    '{% extends "base.html" %}{% block title %}Программа{% endblock %}'
    "{% block content %}<p>Содержимое</p>{% endblock %}"
)
TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')
TOKEN_VALUE = re.compile(r'(?:csrfmiddlewaretoken" value="|"X-CSRFToken": ")([^"]+)')


def _request(user: object, *, message: str = "") -> HttpRequest:
    request = RequestFactory().get("/catalog/programs/1/?page=2")
    request.user = user  # type: ignore[assignment]
    request.session = SessionStore()
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    if message:
        messages.success(request, message)
        messages.error(request, "Что-то пошло не так")
    return request


def _drawn(engine: str, request: HttpRequest) -> str:
    html = engines[engine].from_string(PAGE).render({}, request)
    html = TOKEN.sub(r"\1TOKEN", html)
    # Whitespace between and around tags is the templates' layout, not the page's.
    return re.sub(r"\s*(<|>)\s*", r"\1", re.sub(r"\s+", " ", html)).strip()


def _frames_equal(make_request) -> str:  # type: ignore[no-untyped-def]
    django, jinja = _drawn("django", make_request()), _drawn("jinja2", make_request())
    assert jinja == django
    return jinja


@pytest.mark.django_db
def test_an_anonymous_visitors_frame_is_the_same_in_both() -> None:
    drawn = _frames_equal(lambda: _request(AnonymousUser()))
    assert "Войти" in drawn and "Организациям" in drawn


@pytest.mark.django_db
def test_a_parents_frame_with_unread_notifications_and_messages_is_the_same_in_both():
    parent = UserFactory.create(role=Role.PARENT, first_name="Анна")
    notify(user=parent, subject="Заявка принята", body="…")
    notify(user=parent, subject="Договор подписан", body="…")

    drawn = _frames_equal(lambda: _request(parent, message="Заявка подана"))

    assert "Личный кабинет" in drawn and "Новых: 2" in drawn
    assert "alert-success" in drawn and "alert-danger" in drawn and "Заявка подана" in drawn


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "superuser", "shown"),
    [
        (Role.PROVIDER, False, "Кабинет организации"),
        (Role.OPERATOR, False, "Рабочий стол"),
        (Role.REGIONAL_ADMIN, True, "Администрирование"),
    ],
)
def test_staff_frames_are_the_same_in_both(role, superuser, shown):  # type: ignore[no-untyped-def]
    person = UserFactory.create(role=role, is_superuser=superuser, is_staff=superuser)

    drawn = _frames_equal(lambda: _request(person))

    assert shown in drawn and person.short_name in drawn


def test_a_program_page_takes_one_csrf_token_for_all_its_forms_and_it_is_accepted(world):  # type: ignore[no-untyped-def]
    """As Django's templates do: the page's token is masked once (Jinja2's backend would mask
    it anew for each form), and the apply form posts with it."""
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["csrftoken"] = "A" * 32
    browser.force_login(world.parent)

    page = browser.get(reverse("catalog:program_detail", args=[world.program.pk])).content.decode()

    tokens = set(TOKEN_VALUE.findall(page))
    assert len(tokens) == 1 and page.count("csrfmiddlewaretoken") == 2  # logout and apply
    applied = browser.post(
        reverse("enrollment:apply", args=[world.group.pk]),
        {"csrfmiddlewaretoken": tokens.pop(), "child": world.child.pk},
    )
    assert applied.status_code == 302
