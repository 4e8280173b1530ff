import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.certificates.models import CertificateStatus
from kruzhok.certificates.services import (
    certificate_issue,
    financing_program_create,
)
from kruzhok.certificates.tests.factories import certificate_fund_now
from kruzhok.families.models import Child
from kruzhok.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

CABINET = "/cabinet/"
ADD = "/cabinet/children/add/"


def detail_url(child):
    return f"/cabinet/children/{child.pk}/"


@pytest.fixture
def child(parent):
    return ChildFactory.create(
        guardian=parent,
        municipality=parent.municipality,
        last_name="Иванов",
        first_name="Пётр",
        patronymic="Сергеевич",
        snils="11223344595",
        birth_date=datetime.date(2016, 5, 17),
    )


@pytest.fixture
def funded_child(child, municipality):
    today = timezone.localdate()
    program = financing_program_create(
        municipality=municipality,
        title="ПФДО 2026/2027",
        period_start=today - datetime.timedelta(days=30),
        period_end=today + datetime.timedelta(days=300),
        max_funded_certificates=100,
        budget_cap=10_000_000,
        nominal_bands=[(5, 13, 1_500_000), (14, 18, 2_000_000)],
    )
    certificate = certificate_fund_now(
        certificate=certificate_issue(child=child), financing_program=program
    )
    assert certificate.status == CertificateStatus.FUNDED
    return Child.objects.select_related("certificate").get(pk=child.pk)


def test_a_parent_without_children_is_told_to_add_one(client, parent):
    client.force_login(parent)

    html = client.get(CABINET).content.decode()

    assert "Добавьте ребёнка, чтобы записать его в кружок" in html
    assert f'href="{ADD}"' in html
    assert reverse("catalog:list") in html


def test_the_cabinet_shows_each_child_with_age_and_a_masked_snils(client, parent, child):
    client.force_login(parent)

    html = client.get(CABINET).content.decode()

    assert "Иванов Пётр Сергеевич" in html
    assert "17.05.2016" in html
    assert "•••-•••-•45 95" in html
    assert "112-233-445 95" not in html
    assert "11223344595" not in html
    assert detail_url(child) in html
    assert "оформится автоматически" in html
    assert ">Добавить ребёнка</a>" in html


def test_the_cabinet_shows_the_certificate_number_status_and_available_money(
    client, parent, funded_child
):
    client.force_login(parent)

    html = client.get(CABINET).content.decode()

    certificate = funded_child.certificate
    assert certificate.number_display in html
    assert certificate.get_status_display() in html
    assert "15\u00a0000,00\u00a0₽" in html


def test_the_cabinet_reminds_an_unconfirmed_parent_to_confirm_the_email(client, parent):
    parent.email_confirmed_at = None
    parent.save()
    client.force_login(parent)

    html = client.get(CABINET).content.decode()

    assert "Подтвердите адрес электронной почты" in html
    assert reverse("accounts:confirm_email_resend") in html


def test_the_cabinet_does_not_show_another_familys_children(client, parent, other_parent):
    ChildFactory.create(guardian=other_parent, last_name="Петрова", first_name="Варвара")
    client.force_login(parent)

    html = client.get(CABINET).content.decode()

    assert "Варвара" not in html


def test_the_child_page_shows_the_full_snils_and_the_certificate_history(
    client, parent, funded_child
):
    client.force_login(parent)

    html = client.get(detail_url(funded_child)).content.decode()

    certificate = funded_child.certificate
    assert "112-233-445 95" in html
    assert certificate.number_display in html
    assert certificate.valid_from.strftime("%d.%m.%Y") in html
    assert certificate.valid_to.strftime("%d.%m.%Y") in html
    assert "Зачисление номинала" in html
    assert html.count("15\u00a0000,00\u00a0₽") >= 3  # nominal, balance, available, the credit


def test_the_child_page_without_a_certificate_says_it_comes_with_the_first_contract(
    client, parent, child
):
    client.force_login(parent)

    html = client.get(detail_url(child)).content.decode()

    assert "Сертификата пока нет" in html
    assert "первый договор" in html


def test_an_accounting_certificate_shows_why_it_has_no_money(client, parent, child):
    certificate = certificate_issue(child=child)
    certificate.accounting_reason = "Лимит сертификатов на этот период исчерпан."
    certificate.save()
    client.force_login(parent)

    html = client.get(detail_url(child)).content.decode()

    assert "Лимит сертификатов на этот период исчерпан." in html


def test_adding_a_child_leads_to_the_childs_page(client, parent):
    client.force_login(parent)

    response = client.post(
        ADD,
        {
            "last_name": "Иванов",
            "first_name": "Пётр",
            "patronymic": "",
            "birth_date": "2016-05-17",
            "snils": "112-233-445 95",
        },
    )

    child = Child.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(child)
    assert child.guardians.get() == parent


def test_the_add_form_has_a_date_picker_and_a_numeric_snils_field(client, parent):
    client.force_login(parent)

    html = client.get(ADD).content.decode()

    assert 'type="date"' in html
    assert 'placeholder="112-233-445 95"' in html
    assert 'inputmode="numeric"' in html
    assert 'for="id_snils"' in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"snils": "112-233-445 96"}, "Контрольное число СНИЛС не сходится"),
        ({"snils": "1234"}, "СНИЛС состоит из 11 цифр"),
        ({"snils": ""}, "Укажите СНИЛС ребёнка."),
        ({"last_name": ""}, "Укажите фамилию ребёнка."),
        ({"birth_date": ""}, "Укажите дату рождения ребёнка."),
        ({"birth_date": "2999-01-01"}, "не может быть позже сегодняшнего дня"),
        ({"birth_date": "2000-01-01"}, "исполнилось 18 лет"),
    ],
)
def test_bad_child_data_is_explained_in_russian_and_the_typed_values_are_kept(
    client, parent, changes, message
):
    client.force_login(parent)
    data = {
        "last_name": "Иванов",
        "first_name": "Пётр",
        "patronymic": "Сергеевич",
        "birth_date": "2016-05-17",
        "snils": "112-233-445 95",
    }
    data.update(changes)

    response = client.post(ADD, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    for value in data.values():
        if value:
            assert f'value="{value}"' in html
    assert not Child.objects.exists()


def test_a_snils_of_another_familys_child_is_refused_without_their_name(
    client, parent, other_parent
):
    ChildFactory.create(
        guardian=other_parent, snils="11223344595", last_name="Петрова", first_name="Варвара"
    )
    client.force_login(parent)

    response = client.post(
        ADD,
        {
            "last_name": "Иванов",
            "first_name": "Пётр",
            "patronymic": "",
            "birth_date": "2016-05-17",
            "snils": "112-233-445 95",
        },
    )

    html = response.content.decode()
    assert "Добавить ребёнка с этим СНИЛС из личного кабинета не получилось" in html
    assert "зарегистрирован" not in html
    assert "Петрова" not in html
    assert "Варвара" not in html
    assert Child.objects.count() == 1


def test_a_parent_opening_another_familys_child_gets_not_found(client, parent, other_parent):
    theirs = ChildFactory.create(guardian=other_parent)
    client.force_login(parent)

    assert client.get(detail_url(theirs)).status_code == 404


def test_a_missing_child_and_another_familys_child_look_the_same(client, parent, other_parent):
    theirs = ChildFactory.create(guardian=other_parent)
    client.force_login(parent)

    existing = client.get(detail_url(theirs))
    missing = client.get(f"/cabinet/children/{theirs.pk + 1000}/")

    assert existing.status_code == missing.status_code == 404


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.OPERATOR, Role.REGIONAL_ADMIN])
@pytest.mark.parametrize("url", [CABINET, ADD])
def test_people_who_are_not_parents_are_forbidden(client, role, url):
    client.force_login(UserFactory.create(role=role))

    assert client.get(url).status_code == 403


def test_provider_staff_cannot_open_a_childs_page(client, child):
    client.force_login(UserFactory.create(role=Role.PROVIDER))

    assert client.get(detail_url(child)).status_code == 403


@pytest.mark.parametrize("url", [CABINET, ADD, "/cabinet/children/1/"])
def test_an_anonymous_visitor_is_sent_to_log_in(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


def test_an_anonymous_post_adds_nothing(client):
    client.post(
        ADD,
        {
            "last_name": "Иванов",
            "first_name": "Пётр",
            "birth_date": "2016-05-17",
            "snils": "112-233-445 95",
        },
    )

    assert not Child.objects.exists()
