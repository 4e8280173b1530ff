import re

import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.catalog import moderation
from kruzhok.catalog.models import ProgramState
from kruzhok.common.models import Municipality
from kruzhok.enrollment.tests.world import program_make, user_make
from kruzhok.providers import joining
from kruzhok.providers.models import ProviderStatus
from kruzhok.providers.tests.data import join_arguments, operator_make

pytestmark = pytest.mark.django_db


def text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


@pytest.fixture
def waiting(municipality):
    """A provider asking to join, with a program sent for checking, and their operator."""
    staff = joining.provider_join(**join_arguments(municipality, short_name="Кванторик"))
    program = program_make(staff.provider, title="Лего-конструирование")
    program.state = ProgramState.DRAFT
    program.save(update_fields=["state"])
    moderation.program_submit(actor=staff.user, program=program)
    staff.program = program
    staff.operator = operator_make(municipality)
    return staff


PAGES = [
    ("operator:queue", None, "get"),
    ("operator:provider_detail", "provider", "get"),
    ("operator:provider_approve", "provider", "post"),
    ("operator:provider_reject", "provider", "post"),
    ("operator:program_detail", "program", "get"),
    ("operator:program_approve", "program", "post"),
    ("operator:program_return", "program", "post"),
]


def _url(waiting, name, kind):
    argument = {None: None, "provider": waiting.provider.pk, "program": waiting.program.pk}[kind]
    return reverse(name, args=[] if argument is None else [argument])


def _request(client, method, url, data=None):
    return client.get(url) if method == "get" else client.post(url, data or {})


@pytest.mark.parametrize(("name", "kind", "method"), PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, waiting, name, kind, method):
    response = _request(client, method, _url(waiting, name, kind))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "kind", "method"), PAGES)
def test_parents_and_providers_are_refused(client, waiting, name, kind, method):
    for user in (user_make(Role.PARENT, waiting.provider.municipality), waiting.user):
        client.force_login(user)
        assert _request(client, method, _url(waiting, name, kind)).status_code == 403
    waiting.provider.refresh_from_db()
    assert waiting.provider.status == ProviderStatus.MODERATING


@pytest.mark.parametrize(("name", "kind", "method"), PAGES[1:])
def test_an_operator_of_another_municipality_finds_nothing(client, waiting, name, kind, method):
    client.force_login(operator_make(Municipality.objects.create(name="Курский округ")))
    response = _request(
        client, method, _url(waiting, name, kind), {"reason": "Нет", "remarks": "Нет"}
    )
    assert response.status_code == 404
    waiting.provider.refresh_from_db()
    waiting.program.refresh_from_db()
    assert waiting.provider.status == ProviderStatus.MODERATING
    assert waiting.program.state == ProgramState.MODERATING


def test_the_queue_shows_only_the_operators_municipality(client, waiting):
    elsewhere = Municipality.objects.create(name="Курский округ")
    joining.provider_join(**join_arguments(elsewhere, short_name="Чужой центр"))
    client.force_login(waiting.operator)
    page = text(client.get(reverse("operator:queue")))
    assert "Кванторик" in page
    assert "Лего-конструирование" in page
    assert "Чужой центр" not in page


def test_a_regional_administrator_sees_every_municipality(client, waiting):
    elsewhere = Municipality.objects.create(name="Курский округ")
    joining.provider_join(**join_arguments(elsewhere, short_name="Чужой центр"))
    client.force_login(operator_make(elsewhere, role=Role.REGIONAL_ADMIN))
    page = text(client.get(reverse("operator:queue")))
    assert "Кванторик" in page and "Чужой центр" in page


def test_the_operator_reads_the_details_and_admits_the_provider(client, waiting):
    client.force_login(waiting.operator)
    page = text(client.get(reverse("operator:provider_detail", args=[waiting.provider.pk])))
    assert waiting.provider.inn in page
    assert waiting.provider.settlement_account in page
    assert waiting.user.email in page
    response = client.post(reverse("operator:provider_approve", args=[waiting.provider.pk]))
    assert response.url == reverse("operator:queue")
    waiting.provider.refresh_from_db()
    assert waiting.provider.status == ProviderStatus.APPROVED
    # A second click changes nothing and says why.
    again = client.post(
        reverse("operator:provider_approve", args=[waiting.provider.pk]), follow=True
    )
    assert "Решение по организации уже принято" in text(again)


def test_a_rejection_without_a_reason_is_refused_next_to_the_field(client, waiting):
    client.force_login(waiting.operator)
    url = reverse("operator:provider_reject", args=[waiting.provider.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "Напишите причину: её прочитает организация." in text(response)
    waiting.provider.refresh_from_db()
    assert waiting.provider.status == ProviderStatus.MODERATING

    client.post(url, {"reason": "Лицензия не найдена."})
    waiting.provider.refresh_from_db()
    assert waiting.provider.status == ProviderStatus.REJECTED
    page = text(client.get(reverse("operator:provider_detail", args=[waiting.provider.pk])))
    assert "Лицензия не найдена." in page
    assert "Допустить организацию" not in page


def test_the_operator_returns_a_program_with_remarks_and_it_shows_in_the_history(client, waiting):
    client.force_login(waiting.operator)
    url = reverse("operator:program_return", args=[waiting.program.pk])
    response = client.post(url, {"remarks": ""})
    assert response.status_code == 400
    assert "Напишите, что исправить" in text(response)

    client.post(url, {"remarks": "Уточните возраст."})
    waiting.program.refresh_from_db()
    assert waiting.program.state == ProgramState.RETURNED
    page = text(client.get(reverse("operator:program_detail", args=[waiting.program.pk])))
    assert "Уточните возраст." in page
    assert "На модерации → Возвращена на доработку" in page


def test_the_operator_publishes_a_program(client, waiting):
    client.force_login(waiting.operator)
    client.post(reverse("operator:program_approve", args=[waiting.program.pk]))
    waiting.program.refresh_from_db()
    assert waiting.program.state == ProgramState.PUBLISHED
    assert "Опубликована" in text(client.get(reverse("operator:queue")))


def test_the_menu_leads_each_role_to_its_room(client, waiting):
    client.force_login(waiting.operator)
    assert reverse("operator:queue") in client.get(reverse("home")).content.decode()
    client.force_login(waiting.user)
    assert reverse("provider:home") in client.get(reverse("home")).content.decode()
    client.logout()
    assert reverse("provider:join") in client.get(reverse("home")).content.decode()
