import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.catalog import course_costs, seats
from kruzhok.catalog.models import Direction, FinancingSource, Group, ProgramState
from kruzhok.catalog.tests.factories import GroupFactory, ProgramFactory
from kruzhok.common.money import format_kopecks
from kruzhok.families.tests.factories import ChildFactory
from kruzhok.providers.models import ProviderStatus
from kruzhok.providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("catalog:list")


def rub(kopecks: int) -> str:
    return format_kopecks(kopecks).replace("\xa0", " ")


def detail_url(program) -> str:
    return reverse("catalog:program_detail", args=[program.pk])


def text(response) -> str:
    """The page's text without tags, with runs of whitespace (and nbsp) as one space."""
    html = response.content.decode()
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")
    return re.sub(r" ([,.;:!?])", r"\1", words)


# Catalogue ---------------------------------------------------------------------------------


def test_catalogue_finds_robotics_by_robot(client):
    ProgramFactory.create(
        title="Робототехника",
        provider=ProviderFactory.create(short_name="Станция юных техников"),
        price_per_hour=15_000,
        age_min=8,
        age_max=14,
    )
    ProgramFactory.create(title="Шахматы")

    response = client.get(LIST_URL, {"q": "робот"})

    assert response.status_code == 200
    page = text(response)
    assert "Робототехника" in page
    assert "Шахматы" not in page
    assert "Найдена 1 программа" in page
    assert "Станция юных техников" in page
    assert "8–14 лет" in page
    assert "150,00 ₽ за академический час" in page
    assert "<html" in response.content.decode()


def test_catalogue_keeps_the_filter_values_in_its_form(client):
    response = client.get(
        LIST_URL,
        {
            "q": "робот",
            "direction": Direction.TECHNICAL,
            "age": "9",
            "free": "on",
            "weekday": "1",
            "sort": "price",
        },
    )

    html = response.content.decode()
    assert 'value="робот"' in html
    assert 'value="9"' in html
    assert f'<option value="{Direction.TECHNICAL}" selected>' in html
    assert re.search(r'<input[^>]*name="free"[^>]*checked', html)
    assert '<option value="price" selected>' in html
    assert '<option value="1" selected>Вторник' in html


def test_catalogue_counts_in_russian_and_suggests_loosening_filters_when_empty(client):
    for n in range(5):
        ProgramFactory.create(title=f"Хор {n}", direction=Direction.ARTS)

    assert "Найдено 5 программ" in text(client.get(LIST_URL))
    empty = text(client.get(LIST_URL, {"q": "фехтование", "free": "on"}))
    assert "Ничего не найдено" in empty
    assert "снимите отметку «Только со свободными местами»" in empty


def test_catalogue_shows_neither_drafts_nor_programs_of_blocked_providers(client):
    ProgramFactory.create(title="Черновик", state=ProgramState.DRAFT)
    ProgramFactory.create(
        title="Заблокированный", provider=ProviderFactory.create(status=ProviderStatus.BLOCKED)
    )

    page = text(client.get(LIST_URL))

    assert "Черновик" not in page
    assert "Заблокированный" not in page


def test_catalogue_pages_by_twenty_and_links_keep_the_query(client):
    for n in range(25):
        ProgramFactory.create(title=f"Робототехника {n:02d}")

    first = client.get(LIST_URL, {"q": "робот"})
    second = client.get(LIST_URL, {"q": "робот", "page": "2"})

    assert first.context["page"].object_list.__len__() == 20
    assert len(second.context["page"].object_list) == 5
    assert 'href="?q=%D1%80%D0%BE%D0%B1%D0%BE%D1%82&amp;page=2"' in first.content.decode()


@pytest.mark.parametrize(
    ("asked", "shown", "titles"),
    [
        ("2", 2, 5),
        ("3", 2, 5),  # past the last page: the last
        ("0", 2, 5),  # less than 1: the last, as Django's paginator says
        ("два", 1, 20),
        ("²", 1, 20),
        ("99999999999999999999999", 2, 5),
        ("", 1, 20),
    ],
)
def test_any_page_number_shows_the_page_the_paginator_settles_on(client, asked, shown, titles):
    for n in range(25):
        ProgramFactory.create(title=f"Робототехника {n:02d}")

    response = client.get(LIST_URL, {"q": "робот", "page": asked})

    assert response.status_code == 200
    assert response.context["page"].number == shown
    assert len(response.context["cards"]) == titles
    expected = [f"Робототехника {n:02d}" for n in range(25)][(shown - 1) * 20 :][:titles]
    page = text(response)
    assert [title for title in expected if title in page] == expected


def test_the_count_and_the_page_of_a_search_are_kept_and_read_in_one_cache_round_trip(
    client, monkeypatch
):
    from django.core.cache import cache

    for n in range(3):
        ProgramFactory.create(title=f"Шахматы {n}")
    client.get(LIST_URL, {"q": "шахматы"})
    asked, inside = [], []
    get_many, get = cache.get_many, cache.get

    def get_many_recorded(keys, *args, **kwargs):
        asked.append(list(keys))
        inside.append(True)  # the local-memory backend asks get() for each key
        try:
            return get_many(keys, *args, **kwargs)
        finally:
            inside.pop()

    def get_recorded(key, *args, **kwargs):
        if not inside:
            asked.append([key])
        return get(key, *args, **kwargs)

    monkeypatch.setattr(cache, "get_many", get_many_recorded)
    monkeypatch.setattr(cache, "get", get_recorded)

    with CaptureQueriesContext(connection) as queries:
        client.get(LIST_URL, {"q": "шахматы"})

    searches = [keys for keys in asked if any(k.startswith("catalog:search:") for k in keys)]
    # The count, the page and the page's seat figures.
    assert len(searches) == 1 and len(searches[0]) == 3
    assert not any("COUNT(" in q["sql"] for q in queries.captured_queries)


def _cache_round_trips(monkeypatch) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """The cache calls a request makes from now on, (cache, get or get_many) each."""
    from django.core.cache import caches

    asked: list[tuple[str, str]] = []
    inside: list[bool] = []
    for alias in ("default", "pages"):
        backend = caches[alias]
        for name in ("get", "get_many"):
            original = getattr(backend, name)

            def recorded(*args, _original=original, _call=(alias, name), **kwargs):  # type: ignore[no-untyped-def]
                if not inside:  # the local-memory backend's get_many asks get() for each key
                    asked.append(_call)
                inside.append(True)
                try:
                    return _original(*args, **kwargs)
                finally:
                    inside.pop()

            monkeypatch.setattr(backend, name, recorded)
    return asked


@pytest.mark.parametrize("who", ["anonymous", "parent"])
def test_a_catalogue_page_asks_the_cache_twice_for_its_search_and_for_what_it_shows(
    client, monkeypatch, who
):
    for n in range(3):
        ProgramFactory.create(title=f"Шахматы {n}")
    if who == "parent":
        client.force_login(UserFactory.create(role=Role.PARENT))
    client.get(LIST_URL, {"q": "шахматы", "page": "1"})
    asked = _cache_round_trips(monkeypatch)

    response = client.get(LIST_URL, {"q": "шахматы", "page": "1"})

    assert "Шахматы 2" in text(response)
    # The search's count and page (with a parent's unread count), then the page's kept body.
    assert asked == [("default", "get_many"), ("pages", "get")]


def test_a_parents_program_page_asks_the_cache_once_for_its_description_and_unread_count(
    client, monkeypatch
):
    """The view's unread count is the page's: the Jinja2 engine's context processors (whose
    count is read lazily, in a round trip of its own) do not overwrite it."""
    from kruzhok.notifications.services import notify

    program = ProgramFactory.create(title="Шахматы")
    parent = UserFactory.create(role=Role.PARENT)
    notify(user=parent, subject="Заявка принята", body="…")
    client.force_login(parent)
    url = reverse("catalog:program_detail", args=[program.pk])
    client.get(url)
    asked = _cache_round_trips(monkeypatch)

    response = client.get(url)

    assert "Новых: 1" in text(response) and "Шахматы" in text(response)
    assert asked == [("default", "get_many")]


def test_an_invalid_filter_is_explained_and_ignored(client):
    ProgramFactory.create(title="Кружок")

    response = client.get(LIST_URL, {"age": "три"})

    assert response.status_code == 200
    assert "Кружок" in text(response)
    assert 'aria-describedby="id_age_error"' in response.content.decode()


def test_the_filter_form_is_built_once_per_query_string_and_its_pages_share_it(client, monkeypatch):
    from kruzhok.catalog import forms

    for n in range(25):
        ProgramFactory.create(title=f"Шахматы {n}", direction=Direction.SPORTS)
    built = []
    original = forms.CatalogFilterForm.__init__

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(forms.CatalogFilterForm, "__init__", counting)
    query = {"direction": Direction.SPORTS}
    first = client.get(LIST_URL, query)
    assert len(built) == 2  # the search's arguments, then the filters drawn
    second_page = client.get(LIST_URL, query | {"page": "2"})
    again = client.get(LIST_URL, query)

    assert len(built) == 2
    assert "Найдено 25 программ" in text(first)
    assert "Шахматы" in text(second_page)
    assert text(again) == text(first)
    # Another query string is parsed for itself.
    assert "Ничего не найдено" in text(client.get(LIST_URL, {"direction": Direction.ARTS}))
    assert len(built) == 4


def test_an_htmx_request_gets_only_the_results_and_the_count(client):
    ProgramFactory.create(title="Робототехника")

    response = client.get(LIST_URL, {"q": "робот"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html
    assert "Робототехника" in html
    assert 'hx-swap-oob="innerHTML"' in html
    assert "HX-Request" in response["Vary"]


def test_free_seats_show_on_the_card(client):
    GroupFactory.create(program=ProgramFactory.create(title="Кружок"), capacity=3)

    assert "Свободно 3 места" in text(client.get(LIST_URL))


# Program page ------------------------------------------------------------------------------


def test_program_page_shows_the_program_its_provider_and_free_seats(client):
    program = ProgramFactory.create(
        title="Робототехника",
        provider=ProviderFactory.create(
            full_name="МБУ ДО «Станция юных техников»", phone="+7 865 582-11-22"
        ),
        accessible_ovz=True,
    )
    group = GroupFactory.create(
        program=program,
        capacity=15,
        schedule=[(1, datetime.time(15), 2), (3, datetime.time(15), 2)],
    )
    for _ in range(12):
        seats.group_seat_take(group_id=group.pk)

    page = text(client.get(detail_url(program)))

    assert "Робототехника" in page
    assert "МБУ ДО «Станция юных техников»" in page
    assert "+7 865 582-11-22" in page
    assert "Свободно 3 из 15" in page
    assert "вт, чт 15:00, 2 ак. ч." in page
    assert "Запись открыта" in page
    assert "подходит" in page


def test_a_full_group_says_there_are_no_seats_and_a_closed_one_that_enrolment_is_closed(client):
    program = ProgramFactory.create()
    full = GroupFactory.create(program=program, capacity=1)
    seats.group_seat_take(group_id=full.pk)
    GroupFactory.create(program=program, enrollment_open=False)

    page = text(client.get(detail_url(program)))

    assert "Мест нет" in page
    assert "Запись закрыта" in page


def test_an_anonymous_visitor_is_asked_to_log_in_to_apply(client):
    program = ProgramFactory.create()
    GroupFactory.create(program=program)

    response = client.get(detail_url(program))

    assert "Войдите или зарегистрируйтесь, чтобы записать ребёнка" in text(response)
    html = response.content.decode()
    assert reverse("accounts:login") in html
    assert reverse("accounts:register") in html
    assert 'name="child"' not in html


def test_a_parent_can_apply_for_each_group_with_their_own_children_only(client):
    parent = UserFactory.create()
    ChildFactory.create(guardian=parent, first_name="Пётр")
    ChildFactory.create(guardian=UserFactory.create(), first_name="Чужой")
    program = ProgramFactory.create()
    group = GroupFactory.create(program=program)
    client.force_login(parent)

    response = client.get(detail_url(program))

    html = response.content.decode()
    assert f'action="{reverse("enrollment:apply", args=[group.pk])}"' in html
    assert 'name="child"' in html
    assert "Пётр" in html
    assert "Чужой" not in html
    assert "Подать заявку" in html


def test_a_parents_program_page_reads_the_children_only_when_a_group_takes_applications(client):
    parent = UserFactory.create()
    ChildFactory.create(guardian=parent, first_name="Пётр")
    program = ProgramFactory.create()
    group = GroupFactory.create(program=program, enrollment_open=False)
    client.force_login(parent)

    with CaptureQueriesContext(connection) as queries:
        closed = client.get(detail_url(program)).content.decode()
    assert not any("families_child" in q["sql"] for q in queries.captured_queries)
    assert "Запись закрыта" in closed and 'name="child"' not in closed
    # Not sent to add a child either: nothing can be applied for.
    assert reverse("families:child_add") not in closed

    Group.objects.filter(pk=group.pk).update(enrollment_open=True)
    opened = client.get(detail_url(program)).content.decode()
    assert 'name="child"' in opened and "Пётр" in opened


def test_a_parent_without_children_is_sent_to_add_one(client):
    parent = UserFactory.create()
    program = ProgramFactory.create()
    GroupFactory.create(program=program)
    client.force_login(parent)

    html = client.get(detail_url(program)).content.decode()

    assert reverse("families:child_add") in html
    assert 'name="child"' not in html


def test_provider_staff_see_no_application_form(client):
    program = ProgramFactory.create()
    GroupFactory.create(program=program)
    client.force_login(UserFactory.create(role=Role.PROVIDER))

    html = client.get(detail_url(program)).content.decode()

    assert 'name="child"' not in html


@pytest.mark.parametrize(
    "make",
    [
        lambda: ProgramFactory.create(state=ProgramState.DRAFT),
        lambda: ProgramFactory.create(
            provider=ProviderFactory.create(status=ProviderStatus.MODERATING)
        ),
    ],
)
def test_a_program_not_in_the_catalogue_is_not_found(client, make):
    assert client.get(detail_url(make())).status_code == 404


# What a course costs -----------------------------------------------------------------------


def test_the_program_page_shows_the_cost_of_the_rest_of_the_course_and_per_month(client):
    program = ProgramFactory.create(price_per_hour=200_00)
    group = GroupFactory.create(program=program)
    cost = course_costs.group_course_cost(group=group, today=timezone.localdate())

    page = text(client.get(detail_url(program)))

    assert cost.lessons > 0 and cost.months > 0
    assert f"{rub(cost.total)} за {cost.lessons} " in page
    assert f"в среднем {rub(cost.per_month)} в месяц" in page
    assert cost.total == 200_00 * cost.hours
    # The dates as Russians write them: the group's, and the day the cost is counted from.
    assert f"с {group.start_date:%d.%m.%Y} по {group.end_date:%d.%m.%Y}" in page
    assert f"{cost.lessons} занят" in page and f"с {cost.start_date:%d.%m.%Y}, в среднем" in page


def test_a_free_program_reads_free_not_zero_per_hour(client):
    program = ProgramFactory.create(
        title="Кружок бесплатно", price_per_hour=0, financing_source=FinancingSource.BUDGET
    )
    GroupFactory.create(program=program)

    detail = text(client.get(detail_url(program)))
    listing = text(client.get(LIST_URL))

    for page in (detail, listing):
        assert "Бесплатно" in page
        assert "0,00 ₽ за академический час" not in page


def test_the_program_page_explains_how_applications_are_accepted(client):
    program = ProgramFactory.create()
    GroupFactory.create(program=program, auto_accept=True)
    GroupFactory.create(program=program, auto_accept=False)

    page = text(client.get(detail_url(program)))

    assert "Автоматически: если есть свободное место, заявка принимается сразу" in page
    assert "Заявку рассматривает организация: ответ — в течение 3 рабочих дней" in page


def test_the_catalogue_filters_programs_for_children_with_disabilities(client):
    ProgramFactory.create(title="Адаптивная физкультура", accessible_ovz=True)
    ProgramFactory.create(title="Футбол", accessible_ovz=False)

    page = text(client.get(LIST_URL, {"ovz": "on"}))

    assert "Подходит детям с ОВЗ" in page
    assert "Адаптивная физкультура" in page
    assert "Футбол" not in page


def test_the_program_page_reads_enrolment_windows_once_whatever_the_number_of_groups(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kruzhok.enrollment.models import EnrollmentWindow

    program = ProgramFactory.create()
    first = GroupFactory.create(program=program)
    soon = timezone.now() + datetime.timedelta(days=2)
    EnrollmentWindow.objects.create(group=first, opens_at=soon)

    def window_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(detail_url(program))
        assert page.status_code == 200
        return sum("enrollment_enrollmentwindow" in q["sql"] for q in queries.captured_queries)

    assert window_queries() == 1
    for _ in range(4):
        GroupFactory.create(program=program)
    assert window_queries() == 1
    # The first group's own window still governs it; the others are open.
    page = text(client.get(detail_url(program)))
    assert f"Запись откроется {timezone.localtime(soon):%d.%m.%Y}" in page
    assert page.count("Запись открыта") == 4
