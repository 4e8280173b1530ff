"""A parent registers on a phone and searches the catalogue, with the portal's Content
Security Policy in force: the pages and htmx work, and the browser reports no violation."""

import pytest
from django.urls import reverse

from kruzhok.accounts.tests.factories import MunicipalityFactory
from kruzhok.enrollment.tests.world import group_make, program_make, provider_make
from tests.browser.conftest import PHONE_CONTEXT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue():
    municipality = MunicipalityFactory.create(name="Нефтекумский городской округ")
    provider, _, teacher = provider_make(municipality)
    group_make(program_make(provider, title="Робототехника"), teacher)
    return municipality


def test_registration_and_search_work_and_nothing_breaks_the_policy(
    live_server, catalogue, chromium, screenshot_on_failure
):
    page = chromium.new_context(**PHONE_CONTEXT).new_page()
    screenshot_on_failure.append(page)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(live_server.url + reverse("accounts:register"))
    for label, value in [
        ("Фамилия", "Петрова"),
        ("Имя", "Анна"),
        ("Электронная почта", "anna@example.ru"),
        ("Телефон", "+7 928 000-12-34"),
        ("Пароль", "Kruzhok-2026!"),
        ("Пароль ещё раз", "Kruzhok-2026!"),
    ]:
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Муниципалитет").select_option(label="Нефтекумский городской округ")
    page.get_by_label("Я даю согласие").check()
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.get_by_role("heading", name="Проверьте почту").wait_for()

    page.goto(live_server.url + reverse("catalog:list"))
    with page.expect_response(lambda r: "q=" in r.url):
        page.get_by_label("Что ищете").fill("робот")
    page.get_by_text("Робототехника").first.wait_for()

    assert violations == []
