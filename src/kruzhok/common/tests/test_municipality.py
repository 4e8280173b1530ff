import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from kruzhok.accounts.models import User
from kruzhok.common.models import Municipality
from kruzhok.common.sample_numbers import inn_sample, ogrn_sample
from kruzhok.demo.load import DEMO_PREFIX, payer_details

pytestmark = pytest.mark.django_db


def test_a_municipality_needs_no_payer_details():
    municipality = Municipality(name="Нефтекумский городской округ")
    municipality.full_clean()
    municipality.save()
    assert municipality.payer_name == municipality.payer_inn == ""


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("payer_inn", "2614009008", "Контрольные цифры ИНН"),
        ("payer_inn", inn_sample(950, prefix="2615", entrepreneur=True), "10 цифр"),
        ("payer_ogrn", "1022614009001", "Контрольная цифра ОГРН"),
        ("payer_kpp", "26140100", "9 цифр"),
        ("payer_bik", "01070210A", "9 цифр"),
        ("payer_account", "0323164307540000210", "20 цифр"),
        ("payer_correspondent_account", "401028103453700000131", "20 цифр"),
    ],
)
def test_a_payer_number_is_checked_and_the_refusal_says_what_to_fix(field, value, message):
    municipality = Municipality(name="Нефтекумский городской округ", **{field: value})
    with pytest.raises(ValidationError) as refused:
        municipality.full_clean()
    assert message in " ".join(refused.value.message_dict[field])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payer_inn", "261400900"),
        ("payer_kpp", "2614O1001"),
        ("payer_ogrn", "10226140090"),
        ("payer_bik", "1234"),
        ("payer_account", "0323164307540000210x"),
        ("payer_correspondent_account", "4010281034537000001"),
    ],
)
def test_the_database_refuses_a_malformed_payer_number(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        Municipality.objects.create(name="Нефтекумский городской округ", **{field: value})


def test_the_demo_payer_is_complete_and_valid():
    details = payer_details()
    assert all(details.values())
    assert details["payer_inn"].startswith(DEMO_PREFIX)
    assert details["payer_inn"] == inn_sample(900, prefix=DEMO_PREFIX)
    assert details["payer_ogrn"] == ogrn_sample(900, prefix=DEMO_PREFIX)
    Municipality(name="Нефтекумский городской округ", **details).full_clean()


def test_the_superuser_enters_the_payer_in_the_admin(client):
    admin = User.objects.create_superuser(
        "admin@example.ru", "Admin-2026-parol", last_name="Админов", first_name="Пётр"
    )
    client.force_login(admin)
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    change = reverse("admin:common_municipality_change", args=[municipality.pk])
    form = {
        "name": municipality.name,
        "region_code": "26",
        "region_name": "Ставропольский край",
        "children_population": "9500",
        **payer_details(),
    }
    assert "Плательщик по счетам поставщиков" in client.get(change).content.decode()
    assert client.post(change, form).status_code == 302
    municipality.refresh_from_db()
    assert municipality.payer_kpp == "261401001"
    response = client.post(change, {**form, "payer_inn": "2614009008"})
    assert response.status_code == 200
    assert "Контрольные цифры ИНН не сходятся" in response.content.decode()
