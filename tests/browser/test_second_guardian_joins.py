"""A second parent opens the invitation link on a phone, registers by it and lands in a cabinet
that shows the child; the invitation page fits the screen and passes axe-core."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.common.models import Municipality
from kruzhok.enrollment.tests.world import child_make, user_make
from kruzhok.families.invitations import guardian_invitation_token, guardian_invite
from tests.browser.conftest import PHONE_CONTEXT
from tests.browser.test_parent_journey_on_a_phone import _fits_and_is_accessible

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def invitation_link():
    """A parent's invitation to a new address; built before the browser starts."""
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    parent = user_make(Role.PARENT, municipality)
    child = child_make(parent)
    invitation = guardian_invite(inviter=parent, email="papa@example.ru", child_ids=[child.pk])
    token = guardian_invitation_token(invitation=invitation)
    return {"path": reverse("families:invitation", args=[token]), "child": child}


def test_a_second_parent_registers_by_the_link_on_a_phone(
    live_server, invitation_link, chromium, screenshot_on_failure
):
    axe = Axe()
    context = chromium.new_context(**PHONE_CONTEXT)
    page = context.new_page()
    screenshot_on_failure.append(page)

    page.goto(live_server.url + invitation_link["path"])
    assert "Приглашение в личный кабинет родителя" in page.inner_text("main")
    _fits_and_is_accessible(page, axe, "invitation")
    page.get_by_label("Фамилия").fill("Соколов")
    page.get_by_label("Имя", exact=True).fill("Игорь")
    page.get_by_label("Телефон").fill("+7 900 123-45-67")
    page.get_by_label("Пароль", exact=True).fill("Kruzhok-2026-parol")
    page.get_by_label("Пароль ещё раз").fill("Kruzhok-2026-parol")
    page.get_by_label("Я даю согласие").check()
    page.get_by_role("button", name="Зарегистрироваться и принять приглашение").click()

    page.wait_for_url(re.compile(reverse("cabinet:home") + "$"))
    assert invitation_link["child"].full_name in page.inner_text("main")
    context.close()
