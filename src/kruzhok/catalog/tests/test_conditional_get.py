"""Conditional GET on the catalogue for anonymous visitors: a refresh of an unchanged page is
answered 304 before anything is rendered; any change a visitor could see on it (a seat taken,
a program edited, another query or page, the htmx fragment, a new release) makes a new ETag;
a person's own page and a page with a message waiting are always rendered."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.catalog import programs, seats
from kruzhok.catalog.tests.factories import GroupFactory, ProgramFactory
from kruzhok.catalog.tests.test_views import LIST_URL, text
from kruzhok.common import release

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    program = ProgramFactory.create(title="Робототехника")
    return GroupFactory.create(program=program, capacity=2)


@pytest.fixture
def visitor(client, group):
    """A browser that has opened the catalogue once, and so has the CSRF cookie its pages'
    tokens are made from (the first page sets it: the next one is a new page)."""
    assert client.get(LIST_URL).status_code == 200
    assert "csrftoken" in client.cookies
    return client


def etag_of(visitor, url: str = LIST_URL, **headers) -> str:
    response = visitor.get(url, headers=headers)
    assert response.status_code == 200
    return str(response["ETag"])


def test_an_unchanged_page_is_answered_304_without_being_rendered(visitor, group):
    first = visitor.get(LIST_URL)
    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    assert "no-cache" in first["Cache-Control"]
    assert "private" in first["Cache-Control"]

    again = visitor.get(LIST_URL, headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert again.templates == []
    assert again["ETag"] == first["ETag"]
    assert "no-cache" in again["Cache-Control"]


def test_a_seat_taken_makes_a_new_page(visitor, group):
    before = etag_of(visitor)

    seats.group_seat_take(group_id=group.pk)
    response = visitor.get(LIST_URL, headers={"If-None-Match": before})

    assert response.status_code == 200
    assert "Свободно 1 место" in text(response)
    assert response["ETag"] != before


def test_an_edited_program_makes_a_new_page(visitor, group):
    before = etag_of(visitor)

    programs.program_update(program=group.program, title="Робототехника для начинающих")
    response = visitor.get(LIST_URL, headers={"If-None-Match": before})

    assert response.status_code == 200
    assert "Робототехника для начинающих" in text(response)


def test_each_query_page_and_fragment_has_its_own_etag(visitor, group):
    whole = etag_of(visitor)
    searched = etag_of(visitor, f"{LIST_URL}?q=робототехника")
    second_page = etag_of(visitor, f"{LIST_URL}?page=2")
    fragment = etag_of(visitor, HX_Request="true")

    assert len({whole, searched, second_page, fragment}) == 4
    assert visitor.get(LIST_URL, headers={"If-None-Match": whole}).status_code == 304
    assert (
        visitor.get(LIST_URL, headers={"If-None-Match": whole, "HX-Request": "true"}).status_code
        == 200
    )


def test_another_csrf_cookie_makes_a_new_page(visitor, group):
    """The page carries a CSRF token made from the visitor's cookie: a page kept under another
    cookie would send a token the portal refuses."""
    first = visitor.get(LIST_URL)
    visitor.cookies["csrftoken"] = "A" * 32
    with_cookie = visitor.get(LIST_URL, headers={"If-None-Match": first["ETag"]})
    assert with_cookie.status_code == 200

    visitor.cookies["csrftoken"] = "B" * 32
    other = visitor.get(LIST_URL, headers={"If-None-Match": with_cookie["ETag"]})

    assert other.status_code == 200


def test_a_logged_in_parent_always_gets_the_page(visitor, group):
    anonymous = etag_of(visitor)
    parent = UserFactory.create(role=Role.PARENT)
    visitor.force_login(parent)

    response = visitor.get(LIST_URL, headers={"If-None-Match": anonymous})

    assert response.status_code == 200
    assert "ETag" not in response
    assert parent.short_name in text(response)


def test_a_waiting_message_is_shown_not_answered_304(visitor, group):
    before = etag_of(visitor)
    storage = CookieStorage(RequestFactory().get("/"))
    visitor.cookies["messages"] = storage._encode([Message(constants.INFO, "Письмо отправлено")])

    response = visitor.get(LIST_URL, headers={"If-None-Match": before})

    assert response.status_code == 200
    assert "Письмо отправлено" in text(response)


def test_a_new_release_changes_the_build_digest(tmp_path, monkeypatch):
    (tmp_path / "catalog" / "templates").mkdir(parents=True)
    (tmp_path / "catalog" / "tests").mkdir()
    template = tmp_path / "catalog" / "templates" / "card.html"
    template.write_text("<div>{{ program.title }}</div>")
    monkeypatch.setattr(release, "PACKAGE", tmp_path)
    release.build_digest.cache_clear()
    try:
        released = release.build_digest()
        (tmp_path / "catalog" / "tests" / "test_card.py").write_text("assert True")
        release.build_digest.cache_clear()
        assert release.build_digest() == released  # tests are no part of a page

        template.write_text("<div class='card'>{{ program.title }}</div>")
        release.build_digest.cache_clear()
        assert release.build_digest() != released
    finally:
        release.build_digest.cache_clear()
