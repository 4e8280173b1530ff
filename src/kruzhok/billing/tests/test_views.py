"""The operator's months page: who may see it, the button, the progress and the invoices."""

import datetime

import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.billing.models import Invoice, MonthClosure, MonthClosureStatus
from kruzhok.billing.month_close import month_close_run
from kruzhok.common.models import Municipality
from kruzhok.enrollment.tests.world import user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(world):
    return user_make(Role.OPERATOR, world.municipality)


def _press(client, user, municipality, month="2026-09-01"):
    client.force_login(user)
    return client.post(
        reverse("billing:month_close"), {"municipality": municipality.pk, "month": month}
    )


def test_the_operator_sees_the_months_and_closes_a_past_one(client, world, operator):
    client.force_login(operator)
    page = client.get(reverse("billing:month_list")).content.decode()
    assert "Сентябрь 2026" in page or "сентябрь 2026" in page
    assert "Закрыть месяц" in page

    response = _press(client, operator, world.municipality)

    closure = MonthClosure.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("billing:closure_detail", args=[closure.pk])
    assert (closure.month, closure.closed_by) == (datetime.date(2026, 9, 1), operator)
    progress = client.get(response.url).content.decode()
    assert "Идёт закрытие месяца" in progress
    assert 'hx-trigger="every 2s"' in progress

    month_close_run(closure_id=closure.pk)  # what the worker does
    fragment = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert "Месяц закрыт" in fragment
    assert "hx-trigger" not in fragment
    assert "<html" not in fragment


def test_the_current_month_has_no_button_and_a_forged_press_is_told_why(client, world, operator):
    client.force_login(operator)
    page = client.get(reverse("billing:month_list")).content.decode()
    assert 'aria-label="Закрыть октябрь 2026"' not in page
    response = _press(client, operator, world.municipality, month="2026-10-01")
    assert response.status_code == 302
    assert not MonthClosure.objects.exists()
    page = client.get(response.url).content.decode()
    assert "ещё не закончился" in page


def test_a_garbled_month_is_told_in_russian(client, world, operator):
    response = _press(client, operator, world.municipality, month="сентябрь")
    assert response.status_code == 302
    assert "Не понятно, какой месяц закрыть" in client.get(response.url).content.decode()
    assert not MonthClosure.objects.exists()


def test_other_roles_are_forbidden_and_another_municipality_does_not_exist(client, world, operator):
    _press(client, operator, world.municipality)
    closure = MonthClosure.objects.get()
    for user in (world.parent, world.admin, world.teacher):
        client.force_login(user)
        assert client.get(reverse("billing:month_list")).status_code == 403
        assert client.get(reverse("billing:closure_detail", args=[closure.pk])).status_code == 403
        assert _press(client, user, world.municipality).status_code == 403
    stranger = user_make(Role.OPERATOR, Municipality.objects.create(name="Соседний округ"))
    client.force_login(stranger)
    assert client.get(reverse("billing:closure_detail", args=[closure.pk])).status_code == 404
    assert _press(client, stranger, world.municipality).status_code == 404
    url = f"{reverse('billing:month_list')}?municipality={world.municipality.pk}"
    assert client.get(url).status_code == 404


def test_a_regional_administrator_chooses_the_municipality(client, world):
    regional = user_make(Role.REGIONAL_ADMIN)
    other = Municipality.objects.create(name="Соседний округ")
    client.force_login(regional)
    page = client.get(f"{reverse('billing:month_list')}?municipality={other.pk}").content.decode()
    assert "Соседний округ" in page and world.municipality.name in page
    _press(client, regional, other)
    assert MonthClosure.objects.get().municipality == other


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("billing:month_list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_a_closed_month_lists_its_invoices(client, world, operator):
    _press(client, operator, world.municipality)
    closure = MonthClosure.objects.get()
    month_close_run(closure_id=closure.pk)
    assert MonthClosure.objects.get().status == MonthClosureStatus.CLOSED
    page = client.get(reverse("billing:closure_detail", args=[closure.pk])).content.decode()
    assert not Invoice.objects.exists()
    assert "не было посещений по сертификатам" in page
