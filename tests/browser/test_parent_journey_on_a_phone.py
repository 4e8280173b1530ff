"""A parent's journey on a 390×844 phone: the cabinet, the catalogue, a program with the
wallet, the application, the offer on the cabinet's timeline, the child's certificate, the
notifications and a missing page. On every page nothing is wider than the screen, and axe-core
finds no serious or critical accessibility violation.

The live server runs in another thread, where a frozen clock would not reach, so the data is
built around the real today.
"""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.catalog import groups as catalog_groups
from kruzhok.certificates import services as certificate_services
from kruzhok.common.models import Municipality
from kruzhok.enrollment.tests.world import child_make, program_make, provider_make, user_make
from tests.browser.conftest import PHONE, PHONE_CONTEXT

PASSWORD = "correct-horse-battery"  # what enrollment.tests.world gives every user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def family():
    """A parent with a child, and a drawing program whose group takes applications at once;
    built before the browser starts (no ORM calls while Playwright's loop runs)."""
    today = timezone.localdate()
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    certificate_services.financing_program_create(
        municipality=municipality,
        title="ПФДО",
        period_start=today - datetime.timedelta(days=60),
        period_end=today + datetime.timedelta(days=300),
        max_funded_certificates=100,
        budget_cap=10_000_000_00,
        nominal_bands=[(5, 13, 5_000_00), (14, 18, 5_000_00)],
    )
    provider, _, teacher = provider_make(municipality)
    program = program_make(
        provider, title="Академический рисунок", description="Натюрморт, портрет, пейзаж."
    )
    group = catalog_groups.group_create(
        program=program,
        name="Группа выходного дня для начинающих художников",
        capacity=10,
        start_date=today - datetime.timedelta(days=7),
        end_date=today + datetime.timedelta(days=120),
        schedule=[(5, datetime.time(11, 0), 2), (2, datetime.time(16, 0), 2)],
        teacher=teacher,
        auto_accept=True,
    )
    parent = user_make(Role.PARENT, municipality)
    child = child_make(parent)
    return {"parent": parent.email, "child": child, "program": program, "group": group}


def _fits_and_is_accessible(page, axe: Axe, where: str, screen: int = PHONE["width"]) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= screen, f"{where}: the page is {width} px wide"
    results = axe.run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{where}: {serious}"


def test_a_parents_journey_fits_a_phone_and_passes_axe(
    live_server, family, chromium, screenshot_on_failure
):
    axe = Axe()
    context = chromium.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    screenshot_on_failure.append(page)
    url = live_server.url

    page.goto(url + reverse("accounts:login"))
    _fits_and_is_accessible(page, axe, "log-in")
    page.get_by_label("Электронная почта").fill(family["parent"])
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(reverse("cabinet:home") + "$"))
    _fits_and_is_accessible(page, axe, "cabinet")

    page.goto(url + reverse("catalog:list") + "?q=рисование")
    assert "Академический рисунок" in page.inner_text("main")
    _fits_and_is_accessible(page, axe, "catalogue")

    page.get_by_role("link", name="Академический рисунок").click()
    page.wait_for_url(re.compile(reverse("catalog:program_detail", args=[family["program"].pk])))
    main = page.inner_text("main")
    assert "Если записать Артём сегодня" in main
    assert "Заплатит семья" in main
    _fits_and_is_accessible(page, axe, "program")

    page.goto(url + reverse("enrollment:apply", args=[family["group"].pk]))
    assert "Сколько это стоит" in page.inner_text("main")
    _fits_and_is_accessible(page, axe, "apply")
    page.get_by_role("button", name="Подать заявку").click()
    page.wait_for_load_state()
    assert "Заявка принята автоматически" in page.inner_text("main")
    _fits_and_is_accessible(page, axe, "application")

    page.goto(url + reverse("cabinet:home"))
    main = page.inner_text("main")
    assert "Ждёт вашего решения" in main
    assert re.search(r"Оферта действует до \d\d\.\d\d, осталось 5 дней", main)
    _fits_and_is_accessible(page, axe, "cabinet with an offer")

    page.goto(url + reverse("cabinet:child_detail", args=[family["child"].pk]))
    _fits_and_is_accessible(page, axe, "child")

    page.goto(url + reverse("notifications:list"))
    _fits_and_is_accessible(page, axe, "notifications")

    page.goto(url + "/no-such-page/")
    assert "Страница не найдена" in page.inner_text("main")
    _fits_and_is_accessible(page, axe, "404")
    context.close()
