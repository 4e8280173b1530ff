"""A provider joins on a phone: the director fills the long form on a 390-pixel screen, lands
in the cabinet «на модерации», the municipal operator admits the organisation from the
moderation queue, and the director then sees it admitted."""

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from kruzhok.common.models import Municipality
from kruzhok.providers.tests.data import PASSWORD, join_form_data, operator_make
from tests.browser.conftest import PHONE, PHONE_CONTEXT

pytestmark = pytest.mark.django_db(transaction=True)

# Set KRUZHOK_SCREENSHOTS=dir to keep a picture of every page this test visits.
SCREENSHOTS = os.environ.get("KRUZHOK_SCREENSHOTS", "")


@pytest.fixture
def join_world():
    """Data built before the browser starts (no ORM calls while Playwright's loop runs)."""
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    operator = operator_make(municipality)
    return {"form": join_form_data(municipality), "operator": operator.email}


def _fits_the_phone(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name


def _log_in(page, base_url: str, email: str) -> None:
    page.goto(base_url + reverse("accounts:login"))
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    if "/accounts/consent/accept/" in page.url:
        # A member of staff's first log-in: the consent to the processing of personal data.
        page.get_by_label("Я даю согласие на обработку моих персональных данных").check()
        page.get_by_role("button", name="Продолжить").click()
        page.wait_for_load_state()
    assert "/accounts/login" not in page.url


def test_a_director_joins_on_a_phone_and_the_operator_admits_the_organisation(
    live_server, join_world, chromium, screenshot_on_failure
):
    data = join_world["form"]
    director = chromium.new_context(**PHONE_CONTEXT).new_page()
    screenshot_on_failure.append(director)

    director.goto(live_server.url + reverse("provider:join"))
    _fits_the_phone(director, "01-join")
    director.get_by_label("Кто вы").select_option(data["kind"])
    labels = {
        "full_name": "Полное наименование",
        "short_name": "Краткое наименование",
        "inn": "ИНН",
        "ogrn": "ОГРН или ОГРНИП",
        "license_number": "Номер лицензии на образовательную деятельность",
        "address": "Адрес",
        "org_phone": "Телефон организации",
        "org_email": "Электронная почта организации",
        "bank_name": "Банк",
        "bik": "БИК банка",
        "settlement_account": "Расчётный счёт",
        "correspondent_account": "Корреспондентский счёт банка",
        "last_name": "Фамилия",
        "first_name": "Имя",
        "email": "Электронная почта",
        "phone": "Ваш телефон",
        "password1": "Пароль",
        "password2": "Пароль ещё раз",
    }
    for name, label in labels.items():
        director.get_by_label(label, exact=True).fill(str(data[name]))
    director.get_by_label("Муниципалитет").select_option(label="Нефтекумский городской округ")
    director.get_by_role("button", name="Отправить заявку").click()
    # The same answer whether the address was new or taken: check the mail, then log in.
    director.wait_for_url(re.compile(reverse("provider:join_done") + "$"))
    assert "проверьте почту" in director.inner_text("main")
    _log_in(director, live_server.url, data["email"])
    director.goto(live_server.url + reverse("provider:home"))
    _fits_the_phone(director, "02-cabinet-moderating")
    assert "Организация на модерации" in director.inner_text("main")

    operator = chromium.new_context(**PHONE_CONTEXT).new_page()
    screenshot_on_failure.append(operator)
    _log_in(operator, live_server.url, join_world["operator"])
    operator.goto(live_server.url + reverse("operator:queue"))
    _fits_the_phone(operator, "03-queue")
    operator.get_by_role("link", name=data["short_name"]).click()
    _fits_the_phone(operator, "04-provider")
    assert data["settlement_account"] in operator.inner_text("main")
    operator.get_by_role("button", name="Допустить организацию").click()
    operator.wait_for_url(re.compile(reverse("operator:queue") + "$"))
    assert "допущена к работе" in operator.inner_text("main")

    director.goto(live_server.url + reverse("provider:home"))
    main = director.inner_text("main")
    assert "Допущен" in main
    assert "Организация на модерации" not in main
    director.get_by_role("link", name="Новая программа").click()
    _fits_the_phone(director, "05-program-form")
    director.get_by_label("Название").fill("Лего-конструирование")
    director.get_by_label("Описание").fill("Собираем и оживляем модели.")
    director.get_by_label("Направленность").select_option(label="Техническая")
    director.get_by_label("Возраст от, лет").fill("6")
    director.get_by_label("Возраст до, лет").fill("10")
    director.get_by_label("Продолжительность, месяцев").fill("8")
    director.get_by_label("Академических часов в неделю").fill("2")
    director.get_by_label("Стоимость академического часа, ₽").fill("175,50")
    director.get_by_role("button", name="Сохранить").click()
    director.wait_for_url(re.compile(r"/provider/programs/\d+/$"))
    _fits_the_phone(director, "06-program-draft")
    assert "175,50\xa0₽" in director.inner_text("main")

    director.get_by_role("link", name="Добавить группу").click()
    director.get_by_label("Название группы").fill("Группа 1")
    director.get_by_label("Мест в группе").fill("8")
    director.get_by_label("Начало занятий").fill("2027-02-01")
    director.get_by_label("Окончание занятий").fill("2027-05-28")
    director.locator("#id_schedule-0-weekday").select_option(label="Суббота")
    director.locator("#id_schedule-0-start_time").fill("10:00")
    director.locator("#id_schedule-0-hours").fill("2")
    _fits_the_phone(director, "07-group-form")
    director.get_by_role("button", name="Сохранить группу").click()
    director.wait_for_url(re.compile(r"/provider/programs/\d+/$"))
    assert "сб 10:00, 2 ак. ч." in director.inner_text("main")

    director.get_by_role("button", name="Отправить на проверку").click()
    director.wait_for_load_state()
    _fits_the_phone(director, "08-program-moderating")
    assert "Программа на проверке у оператора" in director.inner_text("main")
