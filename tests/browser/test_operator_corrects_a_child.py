"""The operator finds a parent's request to correct a child's СНИЛС on the home page, reads it
and approves it on a phone; each page fits the screen and passes axe-core, and the parent's
child page then shows the corrected number."""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.common.models import Municipality
from kruzhok.common.validators import format_snils
from kruzhok.enrollment.tests.world import child_make, user_make
from kruzhok.families.corrections import child_correction_request
from kruzhok.families.tests.factories import snils_with_checksum
from tests.browser.conftest import PHONE_CONTEXT
from tests.browser.test_parent_journey_on_a_phone import _fits_and_is_accessible

PASSWORD = "correct-horse-battery"  # what enrollment.tests.world gives every user
RIGHT_SNILS = snils_with_checksum("334455667")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def waiting():
    """A parent's request about their child, and the municipality's operator; built before
    the browser starts (no ORM calls while Playwright's loop runs)."""
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    parent = user_make(Role.PARENT, municipality)
    child = child_make(parent, birth_date=datetime.date(2016, 5, 20))
    child_correction_request(
        parent=parent,
        child=child,
        field="snils",
        new_value=RIGHT_SNILS,
        reason="В свидетельстве СНИЛС с другой последней цифрой",
    )
    operator = user_make(Role.OPERATOR, municipality)
    return {"operator": operator.email, "parent": parent.email, "child": child}


def _log_in(page, url: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + reverse("accounts:login"))
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    if "/accounts/consent/accept/" in page.url:
        # Staff agree to the processing of their personal data at their first log-in.
        page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
        page.get_by_role("button", name="Продолжить").click()
        page.wait_for_load_state()


def test_the_operator_approves_a_correction_on_a_phone(
    live_server, waiting, chromium, screenshot_on_failure
):
    axe = Axe()
    context = chromium.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    screenshot_on_failure.append(page)
    url = live_server.url

    _log_in(page, url, waiting["operator"])
    page.wait_for_url(re.compile(reverse("oversight:home") + "$"))
    assert page.get_by_test_id("corrections-waiting").inner_text() == "1"
    page.get_by_role("link", name="Рассмотреть запросы").click()
    page.wait_for_url(re.compile(reverse("oversight:corrections")))
    _fits_and_is_accessible(page, axe, "corrections")

    page.get_by_role("link", name=waiting["child"].initials_name).click()
    page.wait_for_load_state()
    assert page.get_by_test_id("new-value").inner_text() == format_snils(RIGHT_SNILS)
    _fits_and_is_accessible(page, axe, "correction")
    page.get_by_role("button", name=re.compile("^Исправить")).click()
    page.wait_for_url(re.compile(reverse("oversight:corrections")))
    assert "Исправлено" in page.inner_text("main")
    context.close()

    context = chromium.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    screenshot_on_failure.append(page)
    _log_in(page, url, waiting["parent"])
    page.goto(url + reverse("cabinet:child_detail", args=[waiting["child"].pk]))
    assert format_snils(RIGHT_SNILS) in page.inner_text("main")
    page.goto(url + reverse("families:child_correction", args=[waiting["child"].pk]))
    assert "Исправлено" in page.inner_text("main")
    _fits_and_is_accessible(page, axe, "the parent's corrections")
    context.close()
