"""The operator logs in on a phone, lands on the home page, reaches a register through the
menu, finds a child by СНИЛС without the number ever reaching the address bar, and
downloads the certificates register as XLSX. A screenshot of the home page is kept in
test-artifacts/operator-home.png."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kruzhok.accounts.models import Role
from kruzhok.certificates import services as certificate_services
from kruzhok.common.models import Municipality
from kruzhok.common.validators import format_snils
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.tests.world import (
    child_make,
    group_make,
    program_make,
    provider_make,
    user_make,
)
from tests.browser.conftest import ARTIFACTS, PHONE_CONTEXT

PASSWORD = "correct-horse-battery"  # what enrollment.tests.world gives every user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def contracted():
    """A municipality with a financing program in force, a contract concluded today (so a
    funded certificate), and its operator."""
    today = datetime.date.today()
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    certificate_services.financing_program_create(
        municipality=municipality,
        title="ПФДО",
        period_start=today - datetime.timedelta(days=30),
        period_end=today + datetime.timedelta(days=300),
        max_funded_certificates=100,
        budget_cap=10_000_000_00,
        nominal_bands=[(5, 13, 12_000_00), (14, 18, 9_000_00)],
    )
    provider, admin, teacher = provider_make(municipality)
    group = group_make(
        program_make(provider),
        teacher,
        start=today + datetime.timedelta(days=7),
        end=today + datetime.timedelta(days=90),
    )
    parent = user_make(Role.PARENT, municipality)
    child = child_make(parent)
    application = enrollment_services.application_submit(
        parent=parent, child_id=child.pk, group_id=group.pk
    )
    enrollment_services.application_accept(actor=admin, application=application)
    contract = enrollment_services.contract_accept(parent=parent, application=application)
    operator = user_make(Role.OPERATOR, municipality)
    return {"operator": operator.email, "child": child, "certificate": contract.certificate}


def test_the_operator_finds_a_child_by_snils_and_downloads_a_register(
    live_server, contracted, chromium, screenshot_on_failure
):
    child = contracted["child"]
    context = chromium.new_context(**PHONE_CONTEXT, accept_downloads=True)
    page = context.new_page()
    screenshot_on_failure.append(page)
    page.goto(live_server.url + reverse("accounts:login"))
    page.get_by_label("Электронная почта").fill(contracted["operator"])
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    # The first log-in asks for the consent to the processing of personal data, then goes on.
    assert "Согласие на обработку персональных данных" in page.inner_text("main")
    page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
    page.get_by_role("button", name="Продолжить").click()
    page.wait_for_load_state()

    assert page.url == live_server.url + reverse("oversight:home")
    main = page.inner_text("main")
    assert "Что ждёт решения сегодня" in main and "Бюджет и квота" in main
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "operator-home.png"), full_page=True)

    menu = page.get_by_role("navigation", name="Главное меню")
    menu.get_by_role("button", name="Открыть меню").click()
    menu.get_by_role("button", name="Реестры").click()
    menu.get_by_role("link", name="Дети", exact=True).click()
    page.wait_for_load_state()
    page.get_by_label("Найти по СНИЛС").fill(format_snils(child.snils))
    page.get_by_role("button", name="Найти", exact=True).click()
    page.wait_for_load_state()
    assert "Найдено по СНИЛС: 1" in page.inner_text("main")
    assert child.full_name in page.inner_text("main")
    assert child.snils not in page.url and format_snils(child.snils) not in page.url

    page.goto(live_server.url + reverse("oversight:register", args=["certificates"]))
    page.screenshot(path=str(ARTIFACTS / "operator-register.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать XLSX").click()
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as xlsx:
        ws = load_workbook(io.BytesIO(xlsx.read())).active
    assert ws.cell(row=4, column=1).value == contracted["certificate"].number_display
    context.close()
