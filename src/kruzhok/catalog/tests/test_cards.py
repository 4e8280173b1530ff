"""The catalogue's cached cards: a card is rendered once per program version and reused; what
it shows changes as soon as the program, its price or its provider's name changes, and its
seat badge is read live on every request."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.catalog import cards, groups, programs, seats, selectors
from kruzhok.catalog.models import Group
from kruzhok.catalog.tests.factories import GroupFactory, ProgramFactory
from kruzhok.catalog.tests.test_views import text
from kruzhok.providers import services as provider_services

pytestmark = pytest.mark.django_db

LIST_URL = reverse("catalog:list")


def card_keys() -> list[str]:
    return [key for key in cache._cache if ":catalog:card:" in key]  # type: ignore[attr-defined]


def test_a_card_is_rendered_once_and_then_served_from_the_cache(client, monkeypatch):
    program = ProgramFactory.create(title="Робототехника")
    GroupFactory.create(program=program, capacity=15)
    client.get(LIST_URL)
    assert len(card_keys()) == 1

    rendered = []
    original = cards.render_to_string

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        rendered.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(cards, "render_to_string", counting)
    response = client.get(LIST_URL)

    assert "Робототехника" in text(response)
    assert "catalog/_card.html" not in rendered


def test_the_card_changes_when_the_program_or_its_price_changes(client, figures_expire):
    program = ProgramFactory.create(title="Робототехника", price_per_hour=15_000)
    GroupFactory.create(program=program)
    assert "150,00 ₽ за академический час" in text(client.get(LIST_URL))

    programs.program_update(program=program, title="Робототехника и схемотехника")
    figures_expire()  # the version is read with the seat figures
    page = text(client.get(LIST_URL))
    assert "Робототехника и схемотехника" in page

    programs.program_update(program=program, price_per_hour=21_000)
    figures_expire()
    page = text(client.get(LIST_URL))
    assert "210,00 ₽ за академический час" in page
    assert "150,00 ₽" not in page


def test_the_card_changes_when_the_provider_is_renamed(client, figures_expire):
    program = ProgramFactory.create(title="Шахматы")
    GroupFactory.create(program=program)
    old_name = program.provider.short_name
    assert old_name in text(client.get(LIST_URL))

    provider = program.provider
    provider.short_name = "Шахматный клуб «Ладья»"
    provider.save(update_fields=["short_name"])
    # What provider_profile_update (and the admin) tell the apps that keep copies of the name.
    provider_services.provider_renamed(provider=provider)
    figures_expire()

    page = text(client.get(LIST_URL))
    assert "Шахматный клуб «Ладья»" in page
    assert old_name not in page


def test_the_seat_count_a_parent_sees_is_at_most_two_seconds_old_under_a_cached_card(
    client, figures_expire
):
    program = ProgramFactory.create(title="Футбол")
    group = GroupFactory.create(program=program, capacity=2)
    assert "Свободно 2 места" in text(client.get(LIST_URL))
    assert card_keys()

    seats.group_seat_take(group_id=group.pk)
    # The page's figures are kept FIGURES_TTL_S seconds (2), then read again.
    assert "Свободно 2 места" in text(client.get(LIST_URL))
    figures_expire()
    assert "Свободно 1 место" in text(client.get(LIST_URL))

    seats.group_seat_take(group_id=group.pk)
    figures_expire()
    page = text(client.get(LIST_URL))
    assert "Мест нет" in page
    assert "Свободно" not in page

    seats.group_seat_release(group_id=group.pk)
    figures_expire()
    assert "Свободно 1 место" in text(client.get(LIST_URL))


def test_a_logged_in_parent_reuses_the_results_drawn_for_anyone_and_sees_seats_live(
    client, monkeypatch, figures_expire
):
    program = ProgramFactory.create(title="Футбол")
    group = GroupFactory.create(program=program, capacity=2)
    assert "Свободно 2 места" in text(client.get(LIST_URL))  # an anonymous visitor first
    client.force_login(UserFactory.create(role=Role.PARENT))
    read = []
    original = cards.program_cards

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        read.append(1)
        return original(**kwargs)

    monkeypatch.setattr(cards, "program_cards", counting)
    page = text(client.get(LIST_URL))
    assert "Свободно 2 места" in page
    assert read == []  # the results fragment drawn for the anonymous visitor

    seats.group_seat_take(group_id=group.pk)
    figures_expire()
    page = text(client.get(LIST_URL))

    assert "Свободно 1 место" in page
    assert read == [1]


def test_the_program_page_shows_a_changed_schedule_and_price_at_once(client):
    program = ProgramFactory.create(title="Хореография", price_per_hour=15_000)
    group = GroupFactory.create(program=program, schedule=[(1, datetime.time(15, 0), 2)])
    url = reverse("catalog:program_detail", args=[program.pk])
    page = text(client.get(url))
    assert "вт 15:00, 2 ак. ч." in page
    assert "150,00 ₽" in page

    groups.group_update(
        group=group,
        name=group.name,
        capacity=group.capacity,
        start_date=group.start_date,
        end_date=group.end_date,
        schedule=[(3, datetime.time(17, 30), 2)],
    )
    programs.program_update(program=program, price_per_hour=18_000)

    page = text(client.get(url))
    assert "чт 17:30, 2 ак. ч." in page
    assert "вт 15:00" not in page
    assert "180,00 ₽" in page
    assert "150,00 ₽" not in page


def test_the_seat_badge_agrees_in_number():
    assert "Свободно 1 место" in cards.seats_badge(free_seats=1, group_count=1)
    assert "Свободно 3 места" in cards.seats_badge(free_seats=3, group_count=1)
    assert "Свободно 11 мест" in cards.seats_badge(free_seats=11, group_count=2)
    assert "Мест нет" in cards.seats_badge(free_seats=0, group_count=2)
    assert "Набор не объявлен" in cards.seats_badge(free_seats=0, group_count=0)


def test_the_live_figures_agree_with_the_search_for_every_kind_of_group():
    today = datetime.date.today()

    def group(program, capacity, taken=0, **changes):  # type: ignore[no-untyped-def]
        made = GroupFactory.create(program=program, capacity=capacity)
        Group.objects.filter(pk=made.pk).update(seats_taken=taken, **changes)

    busy = ProgramFactory.create(title="Много групп")
    group(busy, 10, 4)
    group(busy, 5, 5)
    group(busy, 8, enrollment_open=False)
    group(
        busy,
        9,
        start_date=today - datetime.timedelta(days=100),
        end_date=today - datetime.timedelta(days=1),
    )
    ProgramFactory.create(title="Без групп")
    full = ProgramFactory.create(title="Всё занято")
    group(full, 3, 3)

    searched = {p.pk: (p.free_seats, p.group_count) for p in selectors.program_search()}
    live = selectors.program_figures(program_ids=list(searched))

    assert {pk: (row.free_seats, row.group_count) for pk, row in live.items()} == searched
    assert searched[busy.pk] == (6, 3)
    assert searched[full.pk] == (0, 1)
