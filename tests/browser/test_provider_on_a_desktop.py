"""A provider's administrator at a desktop: the cabinet's home, a program and its group, the
application queue (accepting in bulk), the journal and the invoices. Each page fits a
1366-px-wide screen without sideways scrolling and passes axe-core (no serious or critical
violation); the accepted application leaves the queue."""

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
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.tests.world import child_make, program_make, provider_make, user_make
from tests.browser.test_parent_journey_on_a_phone import (
    _fits_and_is_accessible as fits_and_is_accessible,
)

PASSWORD = "correct-horse-battery"  # what enrollment.tests.world gives every user
DESKTOP = {"width": 1366, "height": 800}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cabinet():
    """A provider with a program, a running group and an application waiting; built before
    the browser starts (no ORM calls while Playwright's loop runs)."""
    today = timezone.localdate()
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
    program = program_make(provider, title="Робототехника")
    group = catalog_groups.group_create(
        program=program,
        name="Группа юных конструкторов",
        capacity=10,
        start_date=today - datetime.timedelta(days=14),
        end_date=today + datetime.timedelta(days=60),
        schedule=[(1, datetime.time(15, 0), 2), (3, datetime.time(15, 0), 2)],
        teacher=teacher,
    )
    parent = user_make(Role.PARENT, municipality)
    child = child_make(parent)
    application = enrollment_services.application_submit(
        parent=parent, child_id=child.pk, group_id=group.pk
    )
    return {
        "admin": admin.email,
        "program": program,
        "group": group,
        "application": application,
        "child": child,
    }


def _fits_and_is_accessible(page, axe: Axe, where: str) -> None:  # type: ignore[no-untyped-def]
    fits_and_is_accessible(page, axe, where, screen=DESKTOP["width"])


def test_a_providers_administrator_works_at_a_desktop(
    live_server, cabinet, chromium, screenshot_on_failure
):
    axe = Axe()
    context = chromium.new_context(viewport=DESKTOP, locale="ru-RU")
    page = context.new_page()
    screenshot_on_failure.append(page)
    url = live_server.url

    page.goto(url + reverse("accounts:login"))
    page.get_by_label("Электронная почта").fill(cabinet["admin"])
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    if "/accounts/consent/accept/" in page.url:
        # Staff agree to the processing of their personal data at their first log-in.
        page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
        page.get_by_role("button", name="Продолжить").click()
        page.wait_for_load_state()
    assert "/accounts/login" not in page.url

    program, group = cabinet["program"], cabinet["group"]
    for name, where, args in (
        ("provider:home", "the cabinet's home", []),
        ("provider:program_detail", "the program", [program.pk]),
        ("provider:group_edit", "the group's form", [group.pk]),
        ("attendance:journal", "the journal", [group.pk]),
        ("provider:invoices", "the invoices", []),
    ):
        answer = page.goto(url + reverse(name, args=args))
        assert answer is not None and answer.status == 200, where
        _fits_and_is_accessible(page, axe, where)

    page.goto(url + reverse("enrollment:provider_queue"))
    _fits_and_is_accessible(page, axe, "the application queue")
    application = cabinet["application"]
    page.get_by_label(f"Отметить заявку №{application.pk}").check()
    page.get_by_role("button", name="Принять отмеченные").click()
    page.wait_for_load_state()
    assert "Принято: 1" in page.inner_text("main")
    assert not page.get_by_label(f"Отметить заявку №{application.pk}").count()
    _fits_and_is_accessible(page, axe, "the queue after accepting")
    assert re.search(r"/enrollment/provider/", page.url)
    context.close()
