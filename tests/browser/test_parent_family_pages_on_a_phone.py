"""A parent's family pages on a 390×844 phone: a child's week of lessons, the calendar address
(made and shown once), the second guardian's invitation, a correction of the child's data and
the profile. Each fits the screen and passes axe-core (no serious or critical violation); the
calendar address then answers without a session.

The live server runs in another thread, where a frozen clock would not reach, so the data is
built around the real today.
"""

import datetime
import re
import urllib.request

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.catalog import groups as catalog_groups
from kruzhok.certificates import services as certificate_services
from kruzhok.common.models import Municipality
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.tests.world import child_make, program_make, provider_make, user_make
from tests.browser.conftest import PHONE_CONTEXT
from tests.browser.test_parent_journey_on_a_phone import _fits_and_is_accessible

PASSWORD = "correct-horse-battery"  # what enrollment.tests.world gives every user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def family():
    """A parent whose child has a contract in a group meeting every day; built before the
    browser starts (no ORM calls while Playwright's loop runs)."""
    today = timezone.localdate()
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    certificate_services.financing_program_create(
        municipality=municipality,
        title="ПФДО",
        period_start=today - datetime.timedelta(days=60),
        period_end=today + datetime.timedelta(days=300),
        max_funded_certificates=100,
        budget_cap=10_000_000_00,
        nominal_bands=[(5, 13, 50_000_00), (14, 18, 50_000_00)],
    )
    provider, admin, teacher = provider_make(municipality)
    program = program_make(provider, title="Шахматы для начинающих с длинным названием")
    group = catalog_groups.group_create(
        program=program,
        name="Группа выходного дня для самых маленьких шахматистов",
        capacity=10,
        start_date=today,
        end_date=today + datetime.timedelta(days=60),
        schedule=[(day, datetime.time(16, 0), 2) for day in range(7)],
        teacher=teacher,
    )
    parent = user_make(Role.PARENT, municipality)
    child = child_make(parent)
    application = enrollment_services.application_submit(
        parent=parent, child_id=child.pk, group_id=group.pk
    )
    enrollment_services.application_accept(actor=admin, application=application)
    enrollment_services.contract_accept(parent=parent, application=application)
    return {"parent": parent.email, "child": child}


def test_the_family_pages_fit_a_phone_and_pass_axe(
    live_server, family, chromium, screenshot_on_failure
):
    axe = Axe()
    context = chromium.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    screenshot_on_failure.append(page)
    url = live_server.url
    child = family["child"]

    page.goto(url + reverse("accounts:login"))
    page.get_by_label("Электронная почта").fill(family["parent"])
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(reverse("cabinet:home") + "$"))

    page.get_by_role("link", name="Расписание на неделю").first.click()
    page.wait_for_url(re.compile(reverse("cabinet:child_calendar", args=[child.pk])))
    _fits_and_is_accessible(page, axe, "week")
    page.get_by_role("link", name="Следующая →").click()
    page.wait_for_load_state()
    # A lesson every day of the week: even a week of public holidays keeps its weekend.
    assert page.get_by_test_id("calendar-lesson").count() >= 1
    assert "Шахматы для начинающих" in page.inner_text("main")
    _fits_and_is_accessible(page, axe, "next week")

    page.goto(url + reverse("cabinet:calendar_feed"))
    page.get_by_role("button", name="Получить ссылку на календарь").click()
    page.wait_for_load_state()
    link = page.get_by_label("Ссылка на календарь").input_value()
    _fits_and_is_accessible(page, axe, "calendar address")

    page.goto(url + reverse("families:guardians"))
    page.get_by_label("Электронная почта второго родителя").fill("second@example.ru")
    page.get_by_role("button", name="Отправить приглашение").click()
    page.wait_for_load_state()
    assert "second@example.ru" in page.inner_text("main")
    _fits_and_is_accessible(page, axe, "guardians")

    page.goto(url + reverse("families:child_correction", args=[child.pk]))
    page.get_by_label("СНИЛС", exact=True).check()
    page.get_by_label("Правильный СНИЛС").fill("123")
    page.get_by_label("Почему нужно исправить").fill("Ошибка в цифре")
    page.get_by_role("button", name="Отправить оператору").click()
    page.wait_for_load_state()
    assert "Проверьте поля" in page.inner_text("main")
    _fits_and_is_accessible(page, axe, "correction with an error")

    page.goto(url + reverse("accounts:profile"))
    _fits_and_is_accessible(page, axe, "profile")
    context.close()

    # The calendar address answers a phone's calendar, which has no session.
    with urllib.request.urlopen(link) as response:
        body = response.read().decode()
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert body.count("BEGIN:VEVENT") >= 7
