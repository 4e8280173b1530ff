"""The cabinet's home: what the parent has to do next, where each application stands, and
the certificate's money in words (time frozen at 15.10.2026 18:00, enrollment.tests.world)."""

import datetime
import re

import pytest

from kruzhok.enrollment import services
from kruzhok.enrollment.tests.world import contract_made, full_group, group_make
from kruzhok.enrollment.timeline import days_left_text
from kruzhok.notifications.services import notify

CABINET = "/cabinet/"


def _page(client, user) -> str:
    client.force_login(user)
    response = client.get(CABINET)
    assert response.status_code == 200
    html = response.content.decode().replace("\xa0", " ")
    # Tags become spaces, runs of spaces one: the page's text as it reads.
    return re.sub(r"\s+", " ", re.sub(r"<(?!a |/a)[^>]+>", " ", html))


def test_a_pending_offer_and_its_deadline_are_on_the_cabinet(client, world):
    group = group_make(world.program, world.teacher, auto_accept=True)
    services.application_submit(parent=world.parent, child_id=world.child.pk, group_id=group.pk)

    page = _page(client, world.parent)

    assert "Ждёт вашего решения" in page
    assert "Оферта действует до 20.10, осталось 5 дней" in page
    assert "Посмотреть оферту" in page


def test_nothing_waits_when_the_parent_has_nothing_to_do(client, world):
    services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )

    page = _page(client, world.parent)

    assert "Ждёт вашего решения" not in page
    assert "Организация рассматривает заявку" in page
    assert "ответ до 20.10" in page


def test_the_live_waitlist_position_is_on_the_cabinet(client, world):
    group = full_group(world, capacity=1, waiting=2)
    me = world.child
    services.application_submit(parent=world.parent, child_id=me.pk, group_id=group.pk)

    assert "вы 3-й в очереди" in _page(client, world.parent)

    first_waiting = group.applications.filter(status="waitlisted").order_by("created_at").first()
    services.application_cancel(parent=world.parent, application=first_waiting)

    assert "вы 2-й в очереди" in _page(client, world.parent)


def test_a_contract_shows_its_steps_with_dates(client, world):
    contract_made(world)

    page = _page(client, world.parent)

    assert "Договор заключён 15.10.2026" in page
    assert "Занятия идут" in page or "Начало занятий" in page


def test_the_unread_count_is_outside_the_folded_phone_menu(client, world):
    notify(user=world.parent, subject="Проверка", body="Текст.", link="/cabinet/")

    page = _page(client, world.parent)

    assert 'data-testid="unread-outside-menu"' in page
    assert "Новых уведомлений: 1" in page
    # Before the folded menu («Каталог кружков» is its first item).
    assert page.index('data-testid="unread-outside-menu"') < page.index("Каталог кружков")


def test_no_money_available_is_explained(client, world):
    from kruzhok.enrollment.tests.world import program_make

    dear = group_make(program_make(world.provider, price_per_hour=1_000_00), world.teacher)
    contract_made(world, group=dear)

    page = _page(client, world.parent)

    assert "Доступно" in page and "0,00 ₽" in page
    assert "Все деньги сертификата зарезервированы по заключённым договорам" in page


def test_the_status_line_is_the_certificates_state_not_its_type(client, world):
    contract_made(world)

    page = _page(client, world.parent)

    assert "Действует до 31.08.2027" in page
    status = page.index(" Статус ")
    assert "Сертификат персонифицированного финансирования" not in page[status : status + 120]


@pytest.mark.parametrize(
    ("deadline", "text"),
    [
        (datetime.datetime(2026, 10, 15, 21, 0), "истекает сегодня в 21:00"),
        (datetime.datetime(2026, 10, 16, 9, 0), "остался 1 день"),
        (datetime.datetime(2026, 10, 17, 9, 0), "осталось 2 дня"),
        (datetime.datetime(2026, 10, 26, 9, 0), "осталось 11 дней"),
        (datetime.datetime(2026, 11, 5, 9, 0), "остался 21 день"),
    ],
)
def test_days_left_are_counted_in_calendar_days(frozen_now, deadline, text):
    from django.utils import timezone

    assert days_left_text(timezone.make_aware(deadline), timezone.now()) == text


def test_debits_show_the_lessons_price_split_and_stand_in_lesson_order(client, world, time_machine):
    from kruzhok.attendance.services import attendance_mark
    from kruzhok.common.money import format_kopecks

    contract = contract_made(world)
    first = world.group.lessons.get(date=datetime.date(2026, 10, 15))
    second = world.group.lessons.get(date=datetime.date(2026, 10, 20))
    time_machine.move_to(datetime.datetime(2026, 10, 20, 18, 0), tick=False)
    # The later lesson is marked first; the earlier one is filled in afterwards.
    attendance_mark(actor=world.teacher, lesson=second, contract=contract, present=True)
    attendance_mark(actor=world.teacher, lesson=first, contract=contract, present=True)

    client.force_login(world.parent)
    html = client.get(f"/cabinet/children/{world.child.pk}/").content.decode()
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")

    assert page.index("Списание за занятие 15.10.2026") < page.index(
        "Списание за занятие 20.10.2026"
    )
    charge = contract.charges.get(lesson=first)
    price = format_kopecks(charge.lesson_value).replace("\xa0", " ")
    certificate = format_kopecks(charge.certificate_amount).replace("\xa0", " ")
    family = format_kopecks(charge.parent_amount).replace("\xa0", " ")
    assert f"Цена занятия {price} : сертификат {certificate} , доплата семьи {family}" in page
