"""The first browser test: a teacher at the gym door marks a child on a phone, and the parent
sees the debit in the cabinet.

The live server runs in another thread, where a frozen clock would not reach, so the data is
built around the real today: a group that started two weeks ago and meets on today's weekday.
"""

import datetime
import re

import holidays
import pytest
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.catalog import groups as catalog_groups
from kruzhok.certificates import services as certificate_services
from kruzhok.common.models import Municipality
from kruzhok.common.money import format_kopecks
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.charges import lesson_certificate_share as certificate_share
from kruzhok.enrollment.tests.world import child_make, program_make, provider_make, user_make
from tests.browser.conftest import PHONE, PHONE_CONTEXT, begun_lesson_start

PASSWORD = "correct-horse-battery"  # what enrollment.tests.world gives every user
PRICE_PER_HOUR = 150_00
HOURS = 2

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def today_lesson():
    """A contract in a group with a lesson today; built before the browser starts (Django
    refuses ORM calls while Playwright's event loop runs in this thread)."""
    today = timezone.localdate()
    if today in holidays.country_holidays("RU", years=today.year):
        pytest.skip(f"{today:%d.%m.%Y} is a Russian public holiday: no lessons to mark today")
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    certificate_services.financing_program_create(
        municipality=municipality,
        title="ПФДО",
        period_start=today - datetime.timedelta(days=60),
        period_end=today + datetime.timedelta(days=300),
        max_funded_certificates=100,
        budget_cap=10_000_000_00,
        nominal_bands=[(5, 13, 12_000_00), (14, 18, 9_000_00)],
    )
    provider, admin, teacher = provider_make(municipality)
    program = program_make(provider, price_per_hour=PRICE_PER_HOUR)
    group = catalog_groups.group_create(
        program=program,
        name="Группа у спортзала",
        capacity=10,
        start_date=today - datetime.timedelta(days=14),
        end_date=today + datetime.timedelta(days=60),
        schedule=[(today.weekday(), begun_lesson_start(), HOURS)],
        teacher=teacher,
    )
    parent = user_make(Role.PARENT, municipality)
    child = child_make(parent)
    application = enrollment_services.application_submit(
        parent=parent, child_id=child.pk, group_id=group.pk
    )
    enrollment_services.application_accept(actor=admin, application=application)
    contract = enrollment_services.contract_accept(parent=parent, application=application)
    lesson = group.lessons.get(date=today)
    debit = certificate_share(
        value_before=0,
        charged_before=0,
        lesson_value=PRICE_PER_HOUR * HOURS,
        contract=contract,
    )
    assert debit > 0
    return {
        "teacher": teacher.email,
        "parent": parent.email,
        "child": child,
        "lesson": lesson,
        "debit": debit,
        "today": today,
    }


def _log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + reverse("accounts:login"))
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    if "/accounts/consent/accept/" in page.url:
        # A member of staff's first log-in: the consent to the processing of personal data.
        page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
        page.get_by_role("button", name="Продолжить").click()
        page.wait_for_load_state()
    assert "/accounts/login" not in page.url, page.content()[:2000]


def test_teacher_marks_a_child_on_a_phone_and_the_parent_sees_the_debit(
    live_server, today_lesson, chromium, screenshot_on_failure
):
    lesson, child, today = today_lesson["lesson"], today_lesson["child"], today_lesson["today"]
    teacher_context = chromium.new_context(**PHONE_CONTEXT)
    page = teacher_context.new_page()
    screenshot_on_failure.append(page)

    _log_in(page, live_server.url, today_lesson["teacher"])
    page.goto(live_server.url + reverse("attendance:my_groups"))
    page.get_by_role("link", name=f"Отметить занятие {today:%d.%m}").click()
    page.wait_for_url(re.compile(reverse("attendance:lesson", args=[lesson.pk]) + "$"))
    row = page.locator("li", has_text=child.initials_name)
    attended = row.get_by_role("button", name="Был", exact=True)
    # Nothing may stick out of a 390-pixel screen, and the button is big enough for a thumb.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    box = attended.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    attended.tap()
    row = page.locator("li", has_text=child.initials_name)
    row.get_by_role("button", name="Был", exact=True).and_(
        page.locator('[aria-pressed="true"]')
    ).wait_for()

    parent_context = chromium.new_context(**PHONE_CONTEXT)
    page = parent_context.new_page()
    screenshot_on_failure.append(page)
    _log_in(page, live_server.url, today_lesson["parent"])
    page.get_by_role("link", name=child.full_name).click()
    page.wait_for_url(re.compile(reverse("cabinet:child_detail", args=[child.pk]) + "$"))
    text = page.inner_text("main")
    assert "Списание за занятие" in text
    assert f"Списание за занятие {today:%d.%m.%Y}" in text
    assert format_kopecks(-today_lesson["debit"]) in text
