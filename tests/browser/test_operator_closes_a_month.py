"""The operator closes last month on the portal and downloads a provider's invoice PDF.

The month's lesson is attended on a day of last month: the scene is built with the clock moved
there, then the clock is back to the real today for the live server (its thread would not see a
frozen clock anyway). The close runs through Django's tasks framework; here its immediate
backend runs it when the button's transaction commits, as the worker would a moment later.
"""

import datetime

import holidays
import pytest
import time_machine
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.attendance.services import attendance_mark
from kruzhok.catalog import groups as catalog_groups
from kruzhok.certificates import services as certificate_services
from kruzhok.common.models import Municipality
from kruzhok.common.months import month_name
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.tests.world import (
    MOSCOW,
    child_make,
    program_make,
    provider_make,
    user_make,
)
from tests.browser.conftest import PHONE_CONTEXT

PASSWORD = "correct-horse-battery"  # what enrollment.tests.world gives every user
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

pytestmark = pytest.mark.django_db(transaction=True)


def _lesson_day_last_month() -> datetime.date:
    first = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    days = (first + datetime.timedelta(days=n) for n in range(9, 20))
    off = holidays.country_holidays("RU", years=first.year)
    return next(day for day in days if day.weekday() < 5 and day not in off)


@pytest.fixture
def last_month_attended():
    """A contract concluded on a weekday of last month with that day's lesson attended, and the
    municipality's operator; built before the browser starts."""
    day = _lesson_day_last_month()
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(18), MOSCOW), tick=False):
        municipality = Municipality.objects.create(name="Нефтекумский городской округ")
        certificate_services.financing_program_create(
            municipality=municipality,
            title="ПФДО",
            period_start=day - datetime.timedelta(days=60),
            period_end=day + datetime.timedelta(days=300),
            max_funded_certificates=100,
            budget_cap=10_000_000_00,
            nominal_bands=[(5, 13, 12_000_00), (14, 18, 9_000_00)],
        )
        provider, admin, teacher = provider_make(municipality)
        group = catalog_groups.group_create(
            program=program_make(provider, title="Робототехника"),
            name="Группа 1",
            capacity=10,
            start_date=day - datetime.timedelta(days=14),
            end_date=day + datetime.timedelta(days=90),
            schedule=[(day.weekday(), datetime.time(15, 0), 2)],
            teacher=teacher,
        )
        parent = user_make(Role.PARENT, municipality)
        application = enrollment_services.application_submit(
            parent=parent, child_id=child_make(parent).pk, group_id=group.pk
        )
        enrollment_services.application_accept(actor=admin, application=application)
        contract = enrollment_services.contract_accept(parent=parent, application=application)
        attendance_mark(
            actor=teacher, lesson=group.lessons.get(date=day), contract=contract, present=True
        )
    operator = user_make(Role.OPERATOR, municipality)
    return {"operator": operator.email, "month": day.replace(day=1), "provider": provider}


def test_the_operator_closes_last_month_and_downloads_the_invoice(
    live_server, last_month_attended, chromium, screenshot_on_failure
):
    month = month_name(last_month_attended["month"])
    context = chromium.new_context(**PHONE_CONTEXT, accept_downloads=True)
    page = context.new_page()
    screenshot_on_failure.append(page)
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Электронная почта").fill(last_month_attended["operator"])
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()

    page.goto(live_server.url + reverse("billing:month_list"))
    with override_settings(TASKS=IMMEDIATE):
        page.get_by_role("button", name=f"Закрыть {month}").click()
        page.wait_for_load_state()
    text = page.inner_text("main")
    assert f"Счета за {month}" in text
    assert "Месяц закрыт" in text
    assert last_month_attended["provider"].short_name in text

    link = page.get_by_role("link", name="Счёт на оплату (PDF)").first
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    assert download.value.suggested_filename.startswith("schet-")
    context.close()
