"""A parent reads the month's statement on a phone: from the child's page to the statement,
which fits a 390-pixel screen, and its PDF.

The live server runs in another thread, where a frozen clock would not reach, so the data is
built around the real today: a group that meets on today's weekday, with today's lesson
attended.
"""

import datetime
import re

import holidays
import pytest
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.attendance.services import attendance_mark
from kruzhok.catalog import groups as catalog_groups
from kruzhok.certificates import services as certificate_services
from kruzhok.common.models import Municipality
from kruzhok.common.months import month_name
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.tests.world import child_make, program_make, provider_make, user_make
from tests.browser.conftest import PHONE, PHONE_CONTEXT, begun_lesson_start

PASSWORD = "correct-horse-battery"  # what enrollment.tests.world gives every user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def attended_today():
    """A child under contract whose lesson today was marked attended; built before the browser
    starts (Django refuses ORM calls while Playwright's event loop runs in this thread)."""
    today = timezone.localdate()
    if today in holidays.country_holidays("RU", years=today.year):
        pytest.skip(f"{today:%d.%m.%Y} is a Russian public holiday: no lesson today")
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    certificate_services.financing_program_create(
        municipality=municipality,
        title="ПФДО",
        period_start=today - datetime.timedelta(days=60),
        period_end=today + datetime.timedelta(days=300),
        max_funded_certificates=100,
        budget_cap=10_000_000_00,
        # A nominal short of the contract's cost: the family pays a co-payment.
        nominal_bands=[(5, 13, 1_000_00), (14, 18, 1_000_00)],
    )
    provider, admin, teacher = provider_make(municipality)
    program = program_make(provider, title="Робототехника и программирование микроконтроллеров")
    group = catalog_groups.group_create(
        program=program,
        name="Группа выходного дня для начинающих",
        capacity=10,
        start_date=today - datetime.timedelta(days=14),
        end_date=today + datetime.timedelta(days=60),
        schedule=[(today.weekday(), begun_lesson_start(), 2)],
        teacher=teacher,
    )
    parent = user_make(Role.PARENT, municipality)
    child = child_make(parent)
    application = enrollment_services.application_submit(
        parent=parent, child_id=child.pk, group_id=group.pk
    )
    enrollment_services.application_accept(actor=admin, application=application)
    contract = enrollment_services.contract_accept(parent=parent, application=application)
    assert 0 < contract.certificate_part < contract.total_cost
    attendance_mark(
        actor=teacher, lesson=group.lessons.get(date=today), contract=contract, present=True
    )
    return {"parent": parent.email, "child": child, "today": today}


def test_a_parent_reads_the_months_statement_on_a_phone(
    live_server, attended_today, chromium, screenshot_on_failure
):
    child, today = attended_today["child"], attended_today["today"]
    context = chromium.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    screenshot_on_failure.append(page)
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Электронная почта").fill(attended_today["parent"])
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()

    page.goto(live_server.url + reverse("cabinet:child_detail", args=[child.pk]))
    page.get_by_role("link", name=f"Выписка за {month_name(today)}", exact=True).click()
    statement_url = reverse("cabinet:statement", args=[child.pk, today])
    page.wait_for_url(re.compile(statement_url + "$"))

    text = page.inner_text("main")
    assert f"Выписка за {month_name(today)}" in text
    assert today.strftime("%d.%m.%Y") in text
    assert "Оплачено сертификатом" in text and "Доплата семьи" in text
    # Nothing may stick out of a 390-pixel screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    pdf = page.get_by_role("link", name="Скачать выписку в PDF")
    response = page.request.get(live_server.url + pdf.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    context.close()
