"""The children's lessons as a week on the cabinet and as a private iCalendar feed, on the
frozen clock of Thu 15.10.2026 (the world's group meets on Tuesdays and Thursdays at 15:00
for two academic hours)."""

import datetime
import re

import icalendar
import pytest
from django.urls import reverse

from kruzhok.accounts.log_masking import mask_secrets
from kruzhok.attendance.lessons import lesson_cancel, lesson_move
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.tests.world import child_make, user_make
from kruzhok.families.calendar_feeds import calendar_feed_create, calendar_feed_owner
from kruzhok.families.models import CalendarFeed

TUESDAY = datetime.date(2026, 10, 20)
THURSDAY = datetime.date(2026, 10, 22)


def contract_for(world, child=None):
    application = enrollment_services.application_submit(
        parent=world.parent, child_id=(child or world.child).pk, group_id=world.group.pk
    )
    enrollment_services.application_accept(actor=world.admin, application=application)
    return enrollment_services.contract_accept(parent=world.parent, application=application)


@pytest.fixture
def contract(world):
    return contract_for(world)


def week_url(child, monday=None):
    url = reverse("cabinet:child_calendar", args=[child.pk])
    return f"{url}?week={monday}" if monday else url


def feed_link(client, parent) -> str:
    client.force_login(parent)
    html = client.post(reverse("cabinet:calendar_feed"), follow=True).content.decode()
    return re.search(r'id="calendar-link" type="text" value="([^"]+)"', html).group(1)


def events(body: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


# The week ---------------------------------------------------------------------------------


def test_the_week_shows_the_childs_lessons_with_their_times(client, world, contract):
    client.force_login(world.parent)

    page = client.get(week_url(world.child, TUESDAY))

    week = page.context["week"]
    assert week.monday == datetime.date(2026, 10, 19)
    assert [(d.day, len(d.lessons)) for d in week.days if d.lessons] == [
        (TUESDAY, 1),
        (THURSDAY, 1),
    ]
    html = page.content.decode()
    assert "15:00</time>–16:30 Робототехника" in html
    assert "?week=2026-10-12" in html and "?week=2026-10-26" in html  # previous and next


def test_the_week_starts_at_the_contract_not_at_the_group(client, world, contract):
    client.force_login(world.parent)

    week = client.get(week_url(world.child, "2026-10-12")).context["week"]

    # The group met on Tuesday 13.10, before the contract of 15.10: not the child's lesson.
    assert [d.day for d in week.days if d.lessons] == [datetime.date(2026, 10, 15)]


def test_an_unreadable_or_far_week_shows_this_week(client, world, contract):
    client.force_login(world.parent)
    for asked in ("yesterday", "9999-12-31", "1900-01-01"):
        week = client.get(week_url(world.child, asked)).context["week"]
        assert week.monday == datetime.date(2026, 10, 12), asked


def test_cancelled_and_moved_lessons_show_as_such(client, world, contract):
    tuesday = world.group.lessons.get(date=TUESDAY)
    thursday = world.group.lessons.get(date=THURSDAY)
    lesson_cancel(actor=world.teacher, lesson=tuesday, reason="Педагог на курсах")
    lesson_move(
        actor=world.teacher,
        lesson=thursday,
        new_date=datetime.date(2026, 10, 23),
        new_start_time=datetime.time(16, 0),
        reason="Зал занят",
    )
    client.force_login(world.parent)

    page = client.get(week_url(world.child, TUESDAY))

    lessons = {d.day: d.lessons for d in page.context["week"].days if d.lessons}
    assert lessons[TUESDAY][0].cancelled
    moved = lessons[datetime.date(2026, 10, 23)][0]
    assert not moved.cancelled and moved.moved_from.date() == THURSDAY
    html = page.content.decode()
    assert "Отменено" in html and "Причина: Педагог на курсах" in html
    assert "Перенесено" in html and "Было 22.10.2026 в 15:00" in html


def test_a_lesson_moved_to_another_week_says_so_on_its_old_day(client, world, contract):
    thursday = world.group.lessons.get(date=THURSDAY)
    lesson_move(
        actor=world.teacher,
        lesson=thursday,
        new_date=datetime.date(2026, 10, 30),
        new_start_time=datetime.time(16, 0),
    )
    client.force_login(world.parent)

    page = client.get(week_url(world.child, TUESDAY))

    day = next(d for d in page.context["week"].days if d.day == THURSDAY)
    assert not day.lessons and len(day.moved_away) == 1
    assert "15:00 Робототехника — на 30.10.2026 в 16:00" in page.content.decode()
    later = client.get(week_url(world.child, "2026-10-26")).context["week"]
    moved = next(d for d in later.days if d.day == datetime.date(2026, 10, 30)).lessons
    assert moved[0].moved_from.date() == THURSDAY


def test_another_familys_child_has_no_calendar(client, world, contract):
    client.force_login(user_make(municipality=world.municipality))
    assert client.get(week_url(world.child)).status_code == 404


def test_lessons_after_a_withdrawal_leave_the_week(client, world, contract):
    enrollment_services.contract_withdraw(
        actor=world.parent,
        application=contract.application,
        reason="Переезжаем",
        on=datetime.date(2026, 10, 21),
    )
    client.force_login(world.parent)

    week = client.get(week_url(world.child, TUESDAY)).context["week"]

    assert [d.day for d in week.days if d.lessons] == [TUESDAY]


# The feed -----------------------------------------------------------------------------------


def test_the_feed_answers_its_token_without_a_session(client, world, contract):
    link = feed_link(client, world.parent)
    client.logout()

    response = client.get(link)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response.content)
    first = next(e for e in found if e.decoded("dtstart").date() == THURSDAY)
    assert str(first["summary"]) == "Артём: Робототехника"
    assert first.decoded("dtstart").isoformat() == "2026-10-22T15:00:00+03:00"
    assert first.decoded("dtend").isoformat() == "2026-10-22T16:30:00+03:00"
    assert str(first["status"]) == "CONFIRMED" and int(first["sequence"]) == 0
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Кружки: Артём"
    assert calendar.walk("VTIMEZONE"), "a calendar needs the zone of its local times"


def test_the_feed_updates_a_cancelled_and_a_moved_lesson_under_the_same_uid(
    client, world, contract, time_machine, frozen_now
):
    link = feed_link(client, world.parent)
    before = {str(e["uid"]): e for e in events(client.get(link).content)}
    time_machine.move_to(frozen_now + datetime.timedelta(hours=1), tick=False)
    tuesday = world.group.lessons.get(date=TUESDAY)
    thursday = world.group.lessons.get(date=THURSDAY)
    lesson_cancel(actor=world.teacher, lesson=tuesday, reason="Педагог на курсах")
    lesson_move(
        actor=world.teacher,
        lesson=thursday,
        new_date=datetime.date(2026, 10, 23),
        new_start_time=datetime.time(16, 0),
    )

    after = {str(e["uid"]): e for e in events(client.get(link).content)}

    assert set(after) == set(before), "the same events, none added or lost"
    cancelled = after[f"lesson-{tuesday.pk}-child-{world.child.pk}@kruzhok"]
    assert str(cancelled["status"]) == "CANCELLED"
    assert int(cancelled["sequence"]) == 1
    moved_uid = f"lesson-{thursday.pk}-child-{world.child.pk}@kruzhok"
    moved = after[moved_uid]
    assert moved.decoded("dtstart").isoformat() == "2026-10-23T16:00:00+03:00"
    assert int(moved["sequence"]) == 1
    assert moved.decoded("last-modified") > before[moved_uid].decoded("last-modified")
    assert "Перенесено с 22.10.2026 15:00" in str(moved["description"])


def test_the_feed_holds_every_child_of_the_family_and_no_one_elses(client, world, contract):
    sister = child_make(world.parent)
    contract_for(world, sister)
    stranger = user_make(municipality=world.municipality)
    stranger_child = child_make(stranger)
    application = enrollment_services.application_submit(
        parent=stranger, child_id=stranger_child.pk, group_id=world.group.pk
    )
    enrollment_services.application_accept(actor=world.admin, application=application)
    enrollment_services.contract_accept(parent=stranger, application=application)

    found = events(client.get(feed_link(client, world.parent)).content)

    owners = {str(e["uid"]).split("-child-")[1] for e in found}
    assert owners == {f"{world.child.pk}@kruzhok", f"{sister.pk}@kruzhok"}


def test_only_the_tokens_hash_is_kept(world):
    token = calendar_feed_create(user=world.parent)

    feed = CalendarFeed.objects.get(user=world.parent)

    assert token not in feed.token_hash and len(token) >= 43
    assert calendar_feed_owner(token=token) == world.parent


def test_a_new_link_and_a_revoked_link_stop_the_old_one(client, world, contract):
    old = feed_link(client, world.parent)
    new = feed_link(client, world.parent)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200

    client.post(reverse("cabinet:calendar_feed_revoke"))

    assert client.get(new).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_a_wrong_token_and_a_deactivated_parent_get_404(client, world, contract):
    link = feed_link(client, world.parent)
    assert client.get(reverse("cabinet:calendar_ics", args=["x" * 43])).status_code == 404
    assert client.get(reverse("cabinet:calendar_ics", args=["x" * 500])).status_code == 404
    world.parent.is_active = False
    world.parent.save(update_fields=["is_active"])
    assert client.get(link).status_code == 404


def test_the_link_is_shown_once_and_a_reload_makes_no_new_one(client, world):
    feed_link(client, world.parent)
    token_hash = CalendarFeed.objects.get().token_hash

    html = client.get(reverse("cabinet:calendar_feed")).content.decode()

    assert 'id="calendar-link"' not in html
    assert "Ссылка создана 15.10.2026 и работает" in html
    assert CalendarFeed.objects.get().token_hash == token_hash
    assert "calendar_address_once" not in client.session


def test_the_feeds_token_is_masked_in_logs(world):
    token = calendar_feed_create(user=world.parent)
    line = f'"GET /cabinet/calendar/{token}.ics HTTP/1.1" 200'
    assert token not in mask_secrets(line)
