"""The operator's periods: the list, a program's page with the preview, the button that closes
it in the background, the progress, and who may see and press what."""

import datetime
import re

import pytest
from django.test.utils import override_settings
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.billing import period_views
from kruzhok.billing.models import PeriodClosure, PeriodClosureStatus
from kruzhok.billing.periods import financing_period_close_run
from kruzhok.billing.tests.period_scene import AFTER, NOMINAL, move_to, next_program
from kruzhok.certificates.models import Certificate, CertificateStatus, FinancingProgram
from kruzhok.certificates.selectors import hold_money
from kruzhok.common.models import Municipality
from kruzhok.enrollment.tests.world import NOW, child_make, contract_made, user_make, world_make

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def operator(world):
    return user_make(Role.OPERATOR, world.municipality)


def _detail(program) -> str:
    return reverse("periods:detail", args=[program.pk])


def _press(client, user, program):
    client.force_login(user)
    return client.post(reverse("periods:close", args=[program.pk]))


def test_the_operator_lists_the_periods_with_their_state(client, world, operator, time_machine):
    next_program(world)
    move_to(time_machine, AFTER)
    client.force_login(operator)

    page = client.get(reverse("periods:list")).content.decode()

    assert "ПФДО 2026/2027" in page and "ПФДО 2027/2028" in page
    assert re.search(r"01\.09\.2026–31\.08\.2027:\s+закончился, ещё не закрыт", page)
    assert re.search(r"01\.09\.2027–31\.08\.2028:\s+идёт\s", page)
    assert "Проверить и закрыть" in page
    assert page.index("ПФДО 2027/2028") < page.index("ПФДО 2026/2027")  # newest first
    # In the menu's «Деньги», beside the months and the payments.
    money = page.index(">Деньги</button>")
    menu = page[money : page.index("</ul>", money)]
    assert 'href="/operator/months/">Закрытие месяцев</a>' in menu
    assert 'href="/operator/periods/">Периоды финансирования</a>' in menu


def test_the_page_of_a_period_that_is_over_previews_the_close_and_offers_the_button(
    client, world, operator, used, time_machine
):
    move_to(time_machine, AFTER)
    client.force_login(operator)

    page = client.get(_detail(world.financing)).content.decode()

    assert "закончился, не закрыт" in page
    assert "Закрыть период" in page
    assert "6\xa0000,00\xa0₽" in page  # the reserve released
    assert "11\xa0700,00\xa0₽" in page  # returned to the budget
    assert "5\xa0700,00\xa0₽" in page  # available now
    assert used.certificate.number_display in page
    assert "Соколов А. И." in page
    assert "Игоревич" not in page and "Артём" not in page  # initials only
    assert "Сертификаты, которые изменит закрытие: 1" in page


def test_the_preview_list_is_paginated(client, world, operator, time_machine, monkeypatch):
    contracts = [contract_made(world, child=child_make(world.parent)) for _ in range(3)]
    monkeypatch.setattr(period_views, "PREVIEW_PAGE_SIZE", 2)
    move_to(time_machine, AFTER)
    client.force_login(operator)
    numbers = sorted(c.certificate.number_display for c in contracts)

    first = client.get(_detail(world.financing)).content.decode()
    second = client.get(_detail(world.financing) + "?page=2").content.decode()

    assert numbers[0] in first and numbers[1] in first and numbers[2] not in first
    assert numbers[2] in second and numbers[0] not in second
    assert 'aria-label="Страница 2"' in first
    assert "Сертификаты, которые изменит закрытие: 3" in second


def test_a_running_period_has_no_button_and_a_forged_press_is_told_why(
    client, world, operator, used
):
    client.force_login(operator)
    page = client.get(_detail(world.financing)).content.decode()
    assert "Период ещё идёт: закрыть его можно с 01.09.2027" in page
    assert "Закрыть период</button>" not in page

    response = _press(client, operator, world.financing)

    assert response.status_code == 302 and response.url == _detail(world.financing)
    page = client.get(response.url).content.decode()
    assert "Период 01.09.2026–31.08.2027 ещё идёт: закрыть его можно с 01.09.2027." in page
    assert not PeriodClosure.objects.exists()
    assert FinancingProgram.objects.get(pk=world.financing.pk).closed_at is None


def test_the_button_starts_the_close_and_the_page_follows_it(
    client, world, operator, used, time_machine, django_capture_on_commit_callbacks
):
    move_to(time_machine, AFTER)
    with django_capture_on_commit_callbacks() as queued:
        response = _press(client, operator, world.financing)

    assert len(queued) == 1  # the task, handed to the worker once the close is recorded
    assert response.status_code == 302 and response.url == _detail(world.financing)
    closure = PeriodClosure.objects.get()
    assert (closure.status, closure.started_by) == (PeriodClosureStatus.RUNNING, operator)
    assert FinancingProgram.objects.get(pk=world.financing.pk).closed_at is not None
    page = client.get(response.url).content.decode()
    assert "Закрытие периода началось" in page
    assert "Закрытие периода в очереди" in page  # until the worker takes it
    assert 'hx-trigger="every 2s"' in page
    assert "Закрыть период</button>" not in page

    financing_period_close_run(closure_id=closure.pk)  # what the worker does
    fragment = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in fragment
    assert "hx-trigger" not in fragment
    assert "Период закрыт" in fragment
    assert "11\xa0700,00\xa0₽" in fragment and "6\xa0000,00\xa0₽" in fragment
    page = client.get(reverse("periods:list")).content.decode()
    assert "закрыт " in page and operator.get_full_name() in page


def test_the_progress_fragment_says_how_far_the_close_has_gone(
    client, world, operator, used, time_machine
):
    move_to(time_machine, AFTER)
    _press(client, operator, world.financing)
    PeriodClosure.objects.update(certificates_total=3, certificates_done=1, applications_total=2)

    fragment = client.get(_detail(world.financing), HTTP_HX_REQUEST="true").content.decode()
    assert "обработано 1 из 3 сертификатов" in fragment
    assert 'aria-valuenow="1"' in fragment and 'aria-valuemax="5"' in fragment
    assert 'hx-trigger="every 2s"' in fragment

    PeriodClosure.objects.update(certificates_done=3, applications_done=1)
    fragment = client.get(_detail(world.financing), HTTP_HX_REQUEST="true").content.decode()
    assert "сертификаты обработаны, завершаются заявки — 1 из 2" in fragment


def test_a_second_press_joins_the_running_close(
    client, world, operator, used, time_machine, django_capture_on_commit_callbacks
):
    move_to(time_machine, AFTER)
    other = user_make(Role.OPERATOR, world.municipality)
    _press(client, operator, world.financing)

    with django_capture_on_commit_callbacks() as queued:
        response = _press(client, other, world.financing)

    assert queued == []  # no second task
    assert response.url == _detail(world.financing)
    closure = PeriodClosure.objects.get()
    assert closure.started_by == operator
    assert "Закрытие периода в очереди" in client.get(response.url).content.decode()


def test_a_closed_period_shows_what_the_close_did_and_refuses_another_press(
    client, world, operator, used, time_machine
):
    move_to(time_machine, AFTER)
    _press(client, operator, world.financing)
    financing_period_close_run(closure_id=PeriodClosure.objects.get().pk)

    response = _press(client, operator, world.financing)

    page = client.get(response.url).content.decode()
    assert "Период 01.09.2026–31.08.2027 уже закрыт." in page
    assert "Что сделало закрытие" in page
    assert "Закрыть период</button>" not in page


def test_a_period_closed_before_closes_had_a_record_shows_as_closed(client, world, operator):
    FinancingProgram.objects.filter(pk=world.financing.pk).update(
        closed_at=datetime.datetime(2027, 9, 2, 10, 0, tzinfo=datetime.UTC)
    )
    client.force_login(operator)
    assert "закрыт 02.09.2027" in client.get(reverse("periods:list")).content.decode()
    assert "из консоли сервера" in client.get(_detail(world.financing)).content.decode()


def test_other_roles_are_forbidden_and_another_municipality_does_not_exist(
    client, world, operator, time_machine
):
    move_to(time_machine, AFTER)
    for user in (world.parent, world.admin, world.teacher):
        client.force_login(user)
        assert client.get(reverse("periods:list")).status_code == 403
        assert client.get(_detail(world.financing)).status_code == 403
        assert _press(client, user, world.financing).status_code == 403
    stranger = user_make(Role.OPERATOR, Municipality.objects.create(name="Соседний округ"))
    client.force_login(stranger)
    assert client.get(_detail(world.financing)).status_code == 404
    assert _press(client, stranger, world.financing).status_code == 404
    url = f"{reverse('periods:list')}?municipality={world.municipality.pk}"
    assert client.get(url).status_code == 404
    assert not PeriodClosure.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, world):
    for response in (
        client.get(reverse("periods:list")),
        client.get(_detail(world.financing)),
        client.post(reverse("periods:close", args=[world.financing.pk])),
    ):
        assert response.status_code == 302
        assert reverse("accounts:login") in response.url
    assert not PeriodClosure.objects.exists()


def test_the_close_button_takes_only_post(client, world, operator):
    client.force_login(operator)
    assert client.get(reverse("periods:close", args=[world.financing.pk])).status_code == 405


def test_a_regional_administrator_chooses_the_municipality(client, world, time_machine):
    regional = user_make(Role.REGIONAL_ADMIN)
    other = world_make()  # another municipality with its own period
    move_to(time_machine, AFTER)
    client.force_login(regional)

    page = client.get(
        f"{reverse('periods:list')}?municipality={other.municipality.pk}"
    ).content.decode()

    assert other.municipality.name in page and world.municipality.name in page  # the choice
    assert _detail(other.financing) in page and _detail(world.financing) not in page
    _press(client, regional, other.financing)
    assert PeriodClosure.objects.get().financing_program == other.financing


@pytest.mark.django_db(transaction=True)
def test_the_button_hands_the_close_to_the_worker(client, time_machine):
    time_machine.move_to(NOW, tick=False)
    world = world_make()
    contract = contract_made(world)
    operator = user_make(Role.OPERATOR, world.municipality)
    move_to(time_machine, AFTER)

    with override_settings(TASKS=IMMEDIATE):
        response = _press(client, operator, world.financing)

    assert response.status_code == 302
    closure = PeriodClosure.objects.get()
    assert closure.status == PeriodClosureStatus.CLOSED
    assert (closure.certificates_done, closure.certificates_total) == (1, 1)
    assert (closure.expired, closure.applications_finished) == (NOMINAL, 1)
    assert hold_money(hold=contract.hold).remaining == 0
    certificate = Certificate.objects.get(pk=contract.certificate_id)
    assert certificate.status == CertificateStatus.ACCOUNTING
    assert "Период закрыт" in client.get(response.url).content.decode()
