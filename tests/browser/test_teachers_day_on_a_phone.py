"""The teacher's day on a 390×844 phone: the log-in lands on today's lessons, one tap marks a
child and the row says it is saved; the day and the month's journal fit the screen and pass
axe-core (no serious or critical violation)."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from tests.browser.conftest import PHONE, PHONE_CONTEXT
from tests.browser.test_parent_journey_on_a_phone import _fits_and_is_accessible
from tests.browser.test_teacher_marks_attendance import _log_in, today_lesson  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_teacher_lands_on_today_and_marks_a_child_with_one_tap(
    live_server,
    today_lesson,  # noqa: F811 (the imported fixture)
    chromium,
    screenshot_on_failure,
):
    child, lesson = today_lesson["child"], today_lesson["lesson"]
    axe = Axe()
    context = chromium.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    screenshot_on_failure.append(page)

    _log_in(page, live_server.url, today_lesson["teacher"])
    # The log-in lands on the organisation's page, which starts with the day's lessons.
    page.wait_for_url(re.compile(reverse("provider:home") + "$"))
    assert "Сегодня" in page.inner_text("main")
    _fits_and_is_accessible(page, axe, "teacher's day")

    row = page.locator("li", has_text=child.initials_name)
    row.get_by_role("button", name="Был", exact=True).tap()
    saved = page.locator("li", has_text=child.initials_name).get_by_text("Сохранено: был(а)")
    saved.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.goto(live_server.url + reverse("attendance:journal", args=[lesson.group_id]))
    _fits_and_is_accessible(page, axe, "journal")
    context.close()
