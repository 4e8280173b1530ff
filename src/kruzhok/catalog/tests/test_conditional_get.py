"""Conditional GET on the catalogue for anonymous visitors: a refresh of an unchanged page is
answered 304 before anything is rendered; any change a visitor could see on it (a seat taken,
a program edited, another query or page, the htmx fragment, a new release) makes a new ETag;
a person's own page and a page with a message waiting are always rendered. The same for a
program's page, whose groups' seats, schedules, costs and enrolment are part of its ETag."""

import datetime
import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.catalog import groups, programs, seats
from kruzhok.catalog.models import Group, Lesson, LessonStatus
from kruzhok.catalog.tests.factories import GroupFactory, ProgramFactory
from kruzhok.catalog.tests.test_views import LIST_URL, text
from kruzhok.catalog.views import program_about_key
from kruzhok.common import release
from kruzhok.common.shared_pages import csrf_slot
from kruzhok.enrollment.models import EnrollmentWindow
from kruzhok.notifications.services import notify

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


def test_a_seat_taken_makes_a_new_page(visitor, group, figures_expire):
    before = etag_of(visitor)

    seats.group_seat_take(group_id=group.pk)
    figures_expire()
    response = visitor.get(LIST_URL, headers={"If-None-Match": before})

    assert response.status_code == 200
    assert "Свободно 1 место" in text(response)
    assert response["ETag"] != before


def test_an_edited_program_makes_a_new_page(visitor, group, figures_expire):
    before = etag_of(visitor)

    programs.program_update(program=group.program, title="Робототехника для начинающих")
    figures_expire()
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


# The program page -------------------------------------------------------------------------------


def program_url(group) -> str:  # type: ignore[no-untyped-def]
    return reverse("catalog:program_detail", args=[group.program_id])


def test_an_unchanged_program_page_is_answered_304_without_being_rendered(visitor, group):
    url = program_url(group)
    first = visitor.get(url)
    assert first.status_code == 200
    assert "no-cache" in first["Cache-Control"]

    again = visitor.get(url, headers={"If-None-Match": first["ETag"]})

    assert again.status_code == 304
    assert again.content == b""
    assert again.templates == []
    assert again["ETag"] == first["ETag"]


def test_an_edited_program_or_its_new_price_makes_a_new_program_page(visitor, group):
    url = program_url(group)
    before = etag_of(visitor, url)

    programs.program_update(program=group.program, price_per_hour=180_00)
    response = visitor.get(url, headers={"If-None-Match": before})

    assert response.status_code == 200
    assert "180,00 ₽" in text(response)
    assert response["ETag"] != before
    edited = response["ETag"]

    programs.program_update(program=group.program, description="Собираем роботов из Lego.")
    response = visitor.get(url, headers={"If-None-Match": edited})
    assert response.status_code == 200
    assert "Собираем роботов из Lego." in text(response)


def test_a_new_schedule_of_a_group_makes_a_new_program_page(visitor, group):
    url = program_url(group)
    before = etag_of(visitor, url)

    groups.group_update(
        group=group,
        name=group.name,
        capacity=group.capacity,
        start_date=group.start_date,
        end_date=group.end_date,
        schedule=[(5, datetime.time(11, 0), 2)],
    )
    response = visitor.get(url, headers={"If-None-Match": before})

    assert response.status_code == 200
    assert "сб 11:00, 2 ак. ч." in text(response)


def test_a_seat_taken_makes_a_new_program_page(visitor, group):
    url = program_url(group)
    before = etag_of(visitor, url)

    seats.group_seat_take(group_id=group.pk)
    response = visitor.get(url, headers={"If-None-Match": before})

    assert response.status_code == 200
    assert "Свободно 1 из 2" in text(response)
    again = visitor.get(url, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304


def test_a_cancelled_lesson_makes_a_new_program_page_as_the_course_costs_less(visitor, group):
    url = program_url(group)
    before = etag_of(visitor, url)
    lesson = Lesson.objects.filter(group=group, date__gte=timezone.localdate()).earliest("date")

    # What the journal's cancellation (attendance) writes.
    Lesson.objects.filter(pk=lesson.pk).update(status=LessonStatus.CANCELLED)
    response = visitor.get(url, headers={"If-None-Match": before})

    assert response.status_code == 200
    assert response["ETag"] != before


def test_enrolment_opening_at_its_hour_makes_a_new_program_page(visitor, group, time_machine):
    opens_at = timezone.now() + datetime.timedelta(hours=1)
    EnrollmentWindow.objects.create(program=group.program, opens_at=opens_at)
    url = program_url(group)
    time_machine.move_to(opens_at - datetime.timedelta(minutes=1), tick=False)
    before = etag_of(visitor, url)
    assert "Запись откроется" in text(visitor.get(url))

    time_machine.move_to(opens_at, tick=False)
    response = visitor.get(url, headers={"If-None-Match": before})

    assert response.status_code == 200
    assert "Запись открыта" in text(response)


def test_a_renamed_teacher_makes_a_new_program_page(visitor, group):
    teacher = UserFactory.create(role=Role.PROVIDER, last_name="Иванова")
    Group.objects.filter(pk=group.pk).update(teacher=teacher)
    url = program_url(group)
    before = etag_of(visitor, url)

    User.objects.filter(pk=teacher.pk).update(last_name="Петрова")
    response = visitor.get(url, headers={"If-None-Match": before})

    assert response.status_code == 200
    assert "Петрова" in text(response)


def test_a_logged_in_parent_always_gets_the_program_page(visitor, group):
    url = program_url(group)
    anonymous = etag_of(visitor, url)
    parent = UserFactory.create(role=Role.PARENT)
    visitor.force_login(parent)

    response = visitor.get(url, headers={"If-None-Match": anonymous})

    assert response.status_code == 200
    assert "ETag" not in response
    assert "добавьте ребёнка" in text(response)


# One body for every anonymous visitor -----------------------------------------------------------


def _browser(client_class, cookie: str):  # type: ignore[no-untyped-def]
    browser = client_class(enforce_csrf_checks=True)
    browser.cookies["csrftoken"] = cookie
    return browser


def _page_token(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'"X-CSRFToken": "([^"]+)"', response.content.decode())
    assert match, "the page carries htmx's CSRF header"
    return match.group(1)


@pytest.mark.parametrize("page", ["catalogue", "program"])
def test_anonymous_visitors_share_one_rendered_page_each_with_a_token_of_their_own(
    client, group, page
):
    url = LIST_URL if page == "catalogue" else program_url(group)
    first = _browser(type(client), "A" * 32)
    second = _browser(type(client), "B" * 32)

    one = first.get(url)
    other = second.get(url)

    assert one.templates != []
    assert other.templates == []  # served from the kept body
    assert text(other) == text(one)
    assert _page_token(one) != _page_token(other)
    assert csrf_slot() not in one.content.decode() + other.content.decode()
    # Each visitor's token passes the CSRF check with that visitor's cookie, not the other's.
    login = reverse("accounts:login")
    for browser, token in ((first, _page_token(one)), (second, _page_token(other))):
        response = browser.post(
            login, {"username": "x@example.ru", "password": "x"}, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 200
    swapped = first.post(
        login, {"username": "x@example.ru"}, headers={"X-CSRFToken": _page_token(other)}
    )
    assert swapped.status_code == 403


def test_a_kept_page_is_rendered_anew_when_what_it_shows_changes(client, group):
    first = _browser(type(client), "A" * 32)
    second = _browser(type(client), "B" * 32)
    url = program_url(group)
    assert first.get(url).templates != []

    seats.group_seat_take(group_id=group.pk)
    response = second.get(url)

    assert response.templates != []
    assert "Свободно 1 из 2" in text(response)
    assert first.get(url).templates == []


def test_a_logged_in_parent_never_gets_a_kept_page(client, group):
    url = program_url(group)
    assert client.get(url).status_code == 200
    parent = UserFactory.create(role=Role.PARENT)
    client.force_login(parent)

    response = client.get(url)

    assert response.templates != []
    assert parent.short_name in text(response)


# What the catalogue shows is kept for every visitor, anonymous or logged in --------------------


def _parent_browser(client_class, cookie: str, name: str):  # type: ignore[no-untyped-def]
    parent = UserFactory.create(role=Role.PARENT, first_name=name)
    browser = _browser(client_class, cookie)
    browser.force_login(parent)
    return parent, browser


def _content_rendered(response) -> bool:  # type: ignore[no-untyped-def]
    """Whether what the catalogue shows (the page's, or htmx's swap) was drawn for this one."""
    drawn = {"catalog/_program_list_content.html", "catalog/_results_swap.html"}
    return bool(drawn & {t.name for t in response.templates})


def test_parents_share_what_the_catalogue_shows_each_in_a_frame_of_their_own(client, group):
    anna, first = _parent_browser(type(client), "A" * 32, "Анна")
    boris, second = _parent_browser(type(client), "B" * 32, "Борис")
    notify(user=boris, subject="Заявка принята", body="…")
    notify(user=boris, subject="Договор подписан", body="…")

    one = first.get(LIST_URL)
    other = second.get(LIST_URL)

    assert _content_rendered(one)
    assert not _content_rendered(other)  # drawn for Anna, shown to Boris
    assert "Робототехника" in text(one) and "Робототехника" in text(other)
    assert anna.short_name in text(one) and anna.short_name not in text(other)
    assert boris.short_name in text(other) and boris.short_name not in text(one)
    assert "Новых: 2" in text(other) and "Новых:" not in text(one)
    # Each one's token is made from their own cookie: the other's would be refused.
    assert _page_token(one) != _page_token(other)
    logout = reverse("accounts:logout")
    assert second.post(logout, headers={"X-CSRFToken": _page_token(one)}).status_code == 403
    assert second.post(logout, headers={"X-CSRFToken": _page_token(other)}).status_code == 302


def test_what_a_parent_drew_is_shown_to_an_anonymous_visitor_without_anything_of_theirs(
    client, group
):
    anna, parent = _parent_browser(type(client), "A" * 32, "Анна")
    assert _content_rendered(parent.get(LIST_URL))
    assert _content_rendered(parent.get(LIST_URL, headers={"HX-Request": "true"}))
    anonymous = _browser(type(client), "B" * 32)

    page = anonymous.get(LIST_URL)
    swapped = anonymous.get(LIST_URL, headers={"HX-Request": "true"})

    assert not _content_rendered(page)
    assert "Робототехника" in text(page) and "Робототехника" in text(swapped)
    for response in (page, swapped):
        assert anna.short_name not in text(response)
        assert "A" * 32 not in response.content.decode()
    assert "Войти" in text(page)


def test_a_message_waiting_for_a_parent_is_shown_to_them_and_kept_for_nobody(client, group):
    _anna, first = _parent_browser(type(client), "A" * 32, "Анна")
    _boris, second = _parent_browser(type(client), "B" * 32, "Борис")
    storage = CookieStorage(RequestFactory().get("/"))
    first.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "Заявка подана")])

    assert "Заявка подана" in text(first.get(LIST_URL))
    assert "Заявка подана" not in text(second.get(LIST_URL))


def test_a_seat_taken_is_shown_to_a_parent_within_two_seconds(client, group, figures_expire):
    _anna, parent = _parent_browser(type(client), "A" * 32, "Анна")
    assert "Свободно 2 места" in text(parent.get(LIST_URL))

    seats.group_seat_take(group_id=group.pk)
    figures_expire()

    assert "Свободно 1 место" in text(parent.get(LIST_URL))


def test_an_anonymous_page_draws_what_the_program_says_in_place_and_a_parents_keeps_it(
    client, group
):
    """An anonymous visitor's program page is kept whole: what the program and its provider
    say is drawn in it, not read from or written to its own cache entry, which a logged-in
    visitor's page fills and reads."""
    program = group.program
    key = program_about_key(program)
    page = _browser(type(client), "A" * 32).get(program_url(group))

    assert "Робототехника" in text(page) and program.provider.short_name in text(page)
    assert cache.get(key) is None
    _anna, parent = _parent_browser(type(client), "B" * 32, "Анна")
    mine = parent.get(program_url(group))
    assert cache.get(key) is not None
    assert program.provider.short_name in text(mine)
    assert "catalog/_program_about.html" not in {
        t.name for t in parent.get(program_url(group)).templates
    }
