"""The operator opens the reports' dashboard, creates next period's financing program and
changes its nominal, then downloads the coverage by направленность as XLSX. A screenshot of
the dashboard is kept in test-artifacts/ (phone-sized, as the operator at a meeting sees it)."""

import datetime
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kruzhok.accounts.models import Role
from kruzhok.catalog import groups as catalog_groups
from kruzhok.certificates import services as certificate_services
from kruzhok.common.models import Municipality
from kruzhok.common.population import population_set
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.tests.world import child_make, program_make, provider_make, user_make
from tests.browser.conftest import ARTIFACTS, PHONE_CONTEXT

PASSWORD = "correct-horse-battery"  # what enrollment.tests.world gives every user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def municipality_with_a_child_in_a_club():
    today = timezone.localdate()
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    financing = certificate_services.financing_program_create(
        municipality=municipality,
        title="ПФДО текущего года",
        period_start=today - datetime.timedelta(days=60),
        period_end=today + datetime.timedelta(days=300),
        max_funded_certificates=100,
        budget_cap=10_000_000_00,
        nominal_bands=[(5, 13, 12_000_00), (14, 18, 9_000_00)],
    )
    provider, admin, teacher = provider_make(municipality)
    group = catalog_groups.group_create(
        program=program_make(provider, title="Робототехника"),
        name="Группа 1",
        capacity=10,
        start_date=today,
        end_date=today + datetime.timedelta(days=90),
        schedule=[(today.weekday(), datetime.time(15, 0), 2)],
        teacher=teacher,
    )
    parent = user_make(Role.PARENT, municipality)
    application = enrollment_services.application_submit(
        parent=parent, child_id=child_make(parent).pk, group_id=group.pk
    )
    enrollment_services.application_accept(actor=admin, application=application)
    enrollment_services.contract_accept(parent=parent, application=application)
    population_set(
        municipality=municipality,
        figures=dict.fromkeys(range(5, 19), 5),
        as_of=today,
        actor=AnonymousUser(),
    )
    return {"operator": user_make(Role.OPERATOR, municipality).email, "financing": financing}


def test_the_operator_reads_the_dashboard_changes_next_nominal_and_downloads_coverage(
    live_server, municipality_with_a_child_in_a_club, chromium, screenshot_on_failure
):
    financing = municipality_with_a_child_in_a_club["financing"]
    context = chromium.new_context(**PHONE_CONTEXT, accept_downloads=True)
    page = context.new_page()
    screenshot_on_failure.append(page)
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Электронная почта").fill(municipality_with_a_child_in_a_club["operator"])
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()

    page.goto(live_server.url + reverse("reports:index"))
    assert page.locator("#coverage-total").inner_text() == "1,4 %"  # 1 of 70
    assert page.locator("svg.report-chart").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "operator-reports-dashboard.png"), full_page=True)

    page.get_by_role("link", name="Программа финансирования").first.click()
    page.get_by_role("button", name="Создать программу на").click()
    page.wait_for_load_state()
    page.locator("#id_band_0_nominal").fill("20 000")
    page.get_by_role("button", name="Сохранить изменения").click()
    page.wait_for_load_state()
    text = page.inner_text("main")
    assert "Сохранено изменений: 1." in text
    assert "→ 5–13 лет: 20\xa0000,00\xa0₽" in text  # in the history
    assert page.locator("#id_band_0_nominal").input_value() == "20\xa0000,00"
    # This period's program keeps its nominal (the ORM is not called while Playwright's loop
    # runs in this thread: Django refuses database calls from an async context).
    page.goto(live_server.url + reverse("reports:financing_edit", args=[financing.pk]))
    assert page.locator("#id_band_0_nominal").input_value() == "12\xa0000,00"

    page.goto(live_server.url + reverse("reports:report", args=["coverage-direction"]))
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать XLSX").click()
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as xlsx:
        sheet = load_workbook(io.BytesIO(xlsx.read())).active
    rows = {r[0]: r[1:3] for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]}
    assert rows["Техническая"] == (1, 70)
    context.close()
