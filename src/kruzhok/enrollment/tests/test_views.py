import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kruzhok.certificates.models import Certificate
from kruzhok.certificates.selectors import certificate_money
from kruzhok.common.money import format_kopecks
from kruzhok.enrollment import offers, services
from kruzhok.enrollment.models import Application, ApplicationStatus, Contract
from kruzhok.enrollment.tests.world import (
    child_make,
    contract_made,
    group_make,
    program_make,
    provider_make,
    user_make,
)
from kruzhok.families.models import Child


@pytest.fixture
def parent_client(client, world):
    client.force_login(world.parent)
    return client


def _accepted(world):
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    return services.application_accept(actor=world.admin, application=application)


def test_the_apply_page_offers_the_parents_children(parent_client, world):
    response = parent_client.get(reverse("enrollment:apply", args=[world.group.pk]))
    assert response.status_code == 200
    assert world.child.first_name in response.content.decode()


def test_applying_creates_the_application_and_shows_the_next_step(parent_client, world):
    response = parent_client.post(
        reverse("enrollment:apply", args=[world.group.pk]), {"child": world.child.pk}
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("enrollment:application_detail", args=[application.pk])
    page = parent_client.get(response.url).content.decode()
    assert "рассматривает организация" in page


def test_a_child_too_young_gets_a_russian_message_next_to_the_field(parent_client, world):
    young = child_make(world.parent, birth_date=datetime.date(2021, 3, 1))
    response = parent_client.post(
        reverse("enrollment:apply", args=[world.group.pk]), {"child": young.pk}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "рассчитана на детей 7–14 лет" in page
    assert 'id="id_child_error"' in page
    assert f'value="{young.pk}" selected' in page
    assert not Application.objects.exists()


def test_a_double_click_on_apply_keeps_one_application(parent_client, world):
    url = reverse("enrollment:apply", args=[world.group.pk])
    parent_client.post(url, {"child": world.child.pk})
    response = parent_client.post(url, {"child": world.child.pk})
    assert response.status_code == 400
    assert "уже подана" in response.content.decode()
    assert Application.objects.count() == 1


def test_applying_for_another_familys_child_is_refused(client, world):
    stranger = user_make(municipality=world.municipality)
    child_make(stranger)
    client.force_login(stranger)
    response = client.post(
        reverse("enrollment:apply", args=[world.group.pk]), {"child": world.child.pk}
    )
    assert response.status_code == 400
    assert "Выберите своего ребёнка." in response.content.decode()
    assert not Application.objects.exists()


@pytest.mark.parametrize("child", ["10000000", "первый", ""])
def test_a_child_not_in_the_list_is_asked_for_again(parent_client, world, child):
    response = parent_client.post(
        reverse("enrollment:apply", args=[world.group.pk]), {"child": child}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Выберите ребёнка из списка." in page or "Выберите, кого записать." in page
    assert world.child.first_name in page  # the list is offered again
    assert not Application.objects.exists()


def test_applying_to_a_group_that_does_not_exist_is_404(parent_client, world):
    response = parent_client.post(
        reverse("enrollment:apply", args=[10**9]), {"child": world.child.pk}
    )
    assert response.status_code == 404
    assert not Application.objects.exists()


def test_the_offer_shows_the_contract_figures_and_accepting_concludes_it(parent_client, world):
    application = _accepted(world)
    url = reverse("enrollment:application_detail", args=[application.pk])
    page = parent_client.get(url).content.decode()
    offer = services.offer_compute(application=application)
    assert "Принять оферту" in page
    assert 'data-testid="offer-total"' in page
    assert format_kopecks(offer.total_cost) in page
    assert format_kopecks(offer.certificate_part) in page
    response = parent_client.post(
        reverse("enrollment:offer_accept", args=[application.pk]),
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
        REMOTE_ADDR="192.0.2.10",
    )
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert contract.accepted_ip == "192.0.2.10"
    assert contract.accepted_user_agent == "Mozilla/5.0 (iPhone)"
    assert contract.total_cost == offer.total_cost


def test_accepting_an_offer_twice_says_it_is_already_accepted(parent_client, world):
    application = _accepted(world)
    url = reverse("enrollment:offer_accept", args=[application.pk])
    parent_client.post(url)
    response = parent_client.post(url)
    assert response.status_code == 409
    assert "Оферта уже принята" in response.content.decode()
    assert Contract.objects.count() == 1


def test_a_parent_opening_another_familys_application_gets_404(client, world):
    application = _accepted(world)
    stranger = user_make(municipality=world.municipality)
    child_make(stranger)
    client.force_login(stranger)
    detail = reverse("enrollment:application_detail", args=[application.pk])
    assert client.get(detail).status_code == 404
    accept = reverse("enrollment:offer_accept", args=[application.pk])
    assert client.post(accept).status_code == 404
    assert not Contract.objects.exists()


def test_the_provider_queue_lists_its_applications_and_accepts(client, world):
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    client.force_login(world.admin)
    page = client.get(reverse("enrollment:provider_queue")).content.decode()
    assert world.child.initials_name in page
    response = client.post(reverse("enrollment:provider_accept", args=[application.pk]))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED


def test_another_providers_staff_cannot_see_or_accept_the_application(client, world):
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    _, other_admin, _ = provider_make(world.municipality)
    client.force_login(other_admin)
    page = client.get(reverse("enrollment:provider_queue")).content.decode()
    assert world.child.initials_name not in page
    response = client.post(reverse("enrollment:provider_accept", args=[application.pk]))
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_rejecting_without_a_reason_keeps_the_form_with_a_message(client, world):
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    client.force_login(world.admin)
    response = client.post(
        reverse("enrollment:provider_reject", args=[application.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    assert "Укажите причину отказа" in response.content.decode()
    response = client.post(
        reverse("enrollment:provider_reject", args=[application.pk]),
        {"reason": "Группа для другого уровня"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED


def test_a_parent_cannot_open_the_provider_queue(parent_client):
    assert parent_client.get(reverse("enrollment:provider_queue")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, world):
    response = client.get(reverse("enrollment:apply", args=[world.group.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_applying_to_a_full_group_says_the_application_is_on_the_waiting_line(parent_client, world):
    group = group_make(world.program, world.teacher, capacity=1, auto_accept=True)
    services.application_submit(
        parent=world.parent, child_id=child_make(world.parent).pk, group_id=group.pk
    )
    page = parent_client.get(reverse("enrollment:apply", args=[group.pk])).content.decode()
    assert "встанет в лист ожидания" in page
    response = parent_client.post(
        reverse("enrollment:apply", args=[group.pk]), {"child": world.child.pk}, follow=True
    )
    page = response.content.decode()
    assert "поставлена в лист ожидания" in page
    assert "место в очереди — 1" in page
    assert Application.objects.get(child=world.child).status == ApplicationStatus.WAITLISTED


@pytest.mark.postgres
def test_the_apply_page_reads_the_children_without_a_server_side_cursor(parent_client, world):
    with CaptureQueriesContext(connection) as queries:
        response = parent_client.get(reverse("enrollment:apply", args=[world.group.pk]))
    assert response.status_code == 200 and world.child.first_name in response.content.decode()
    assert not [q["sql"] for q in queries.captured_queries if "DECLARE" in q["sql"]]


def test_the_apply_page_reads_the_children_once(parent_client, world):
    child_make(world.parent)
    with CaptureQueriesContext(connection) as queries:
        response = parent_client.get(reverse("enrollment:apply", args=[world.group.pk]))
    page = response.content.decode()
    assert page.count(world.child.first_name) >= 2  # both children offered
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "families_child"' in q["sql"]]
    assert len(reads) == 1, reads


# The wallet: what enrolling would cost, before applying ---------------------------------------


def _plain(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def _rub(kopecks: int) -> str:
    return format_kopecks(kopecks).replace("\xa0", " ")


def test_the_apply_page_shows_the_offer_the_child_would_get_today(parent_client, world):
    offer = offers.offer_compute(application=Application(child=world.child, group=world.group))

    page = _plain(parent_client.get(reverse("enrollment:apply", args=[world.group.pk])))

    assert offer.total_cost > 0
    assert "Сколько это стоит" in page
    assert f"Если записать {world.child.first_name} сегодня" in page
    # Drawn as HTML (the Jinja2 partial it shares with the program page), not printed as text.
    assert page.count('data-testid="estimate"') == 1 and "&lt;" not in page
    assert _rub(offer.total_cost) in page
    assert _rub(offer.certificate_part) in page
    assert _rub(offer.parent_part) in page
    # The page says it before the button.
    assert page.index("Сколько это стоит") < page.index("Подать заявку")


def test_the_estimate_is_the_offer_accepted_later_to_the_kopeck(parent_client, world):
    [estimate] = offers.offer_estimates(group=world.group, children=[world.child])
    application = services.application_accept(
        actor=world.admin,
        application=services.application_submit(
            parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
        ),
    )
    contract = services.contract_accept(parent=world.parent, application=application)

    assert (estimate.offer.total_cost, estimate.offer.certificate_part) == (
        contract.total_cost,
        contract.certificate_part,
    )
    assert estimate.offer.parent_part == contract.parent_part


def test_the_estimate_says_whether_the_certificate_stretches_to_another_club(world):
    dear = group_make(
        program_make(world.provider, title="Робототехника+", price_per_hour=400_00), world.teacher
    )
    [estimate] = offers.offer_estimates(group=dear, children=[world.child])
    cheap = group_make(
        program_make(world.provider, title="Шахматы", price_per_hour=10_00), world.teacher
    )
    [cheap_estimate] = offers.offer_estimates(group=cheap, children=[world.child])

    # 12 000 ₽ of nominal: 42 hours at 400 ₽ cost more, chess far less.
    assert estimate.offer.parent_part > 0 and estimate.certificate_left == 0
    assert cheap_estimate.offer.parent_part == 0
    assert cheap_estimate.certificate_left == (
        cheap_estimate.offer.certificate_available - cheap_estimate.offer.total_cost
    )
    assert cheap_estimate.certificate_left > 0
    assert cheap_estimate.per_month * cheap_estimate.offer.months == pytest.approx(
        cheap_estimate.offer.total_cost, abs=cheap_estimate.offer.months
    )


def test_the_program_page_shows_each_childs_estimate_to_the_parent_only(client, world):
    url = reverse("catalog:program_detail", args=[world.program.pk])
    client.force_login(world.parent)
    page = _plain(client.get(url))
    [estimate] = offers.offer_estimates(group=world.group, children=[world.child])

    assert f"Если записать {world.child.first_name} сегодня" in page
    assert _rub(estimate.offer.parent_part) in page

    stranger = user_make()
    client.force_login(stranger)
    assert "Если записать" not in _plain(client.get(url))
    client.logout()
    assert "Если записать" not in _plain(client.get(url))


def test_the_program_page_reads_the_funding_outlook_once_for_all_the_childrens_estimates(
    client, world
):
    sister = child_make(world.parent, birth_date=datetime.date(2015, 3, 1))
    group_make(world.program, world.teacher)
    client.force_login(world.parent)
    url = reverse("catalog:program_detail", args=[world.program.pk])

    with CaptureQueriesContext(connection) as queries:
        page = _plain(client.get(url))

    outlooks = [q for q in queries.captured_queries if "certificates_nominalband" in q["sql"]]
    assert len(outlooks) == 1
    # Both children, both groups: four estimates, each the offer computed alone.
    assert page.count("Если записать") == 4
    [estimate] = offers.offer_estimates(group=world.group, children=[sister])
    assert _rub(estimate.offer.parent_part) in page


def test_the_program_page_reads_the_childrens_funded_certificates_in_one_query(client, world):
    sister = child_make(world.parent, birth_date=datetime.date(2015, 3, 1))
    # Both certificates funded, each with a contract of its own reserving part of it: the
    # first child's robotics leaves 5 700 ₽ of 12 000 ₽, the sister's cheaper chess more.
    contract_made(world)
    chess = program_make(world.provider, title="Шахматы", price_per_hour=50_00)
    contract_made(world, child=sister, group=group_make(chess, world.teacher))
    second = group_make(world.program, world.teacher)
    client.force_login(world.parent)
    url = reverse("catalog:program_detail", args=[world.program.pk])

    with CaptureQueriesContext(connection) as queries:
        page = _plain(client.get(url))

    sql = [q["sql"] for q in queries.captured_queries]
    # Both children's certificates with their accounts: one query, not two a child.
    assert sum('FROM "certificates_certificate"' in q for q in sql) == 1
    assert not [q for q in sql if q.startswith('SELECT "certificates_account"')]
    [mine] = offers.offer_estimates(group=second, children=[Child.objects.get(pk=world.child.pk)])
    [hers] = offers.offer_estimates(group=second, children=[Child.objects.get(pk=sister.pk)])
    assert mine.offer.certificate_available == 5_700_00 == mine.offer.certificate_part
    assert (
        hers.offer.certificate_available
        == certificate_money(certificate=Certificate.objects.get(child=sister)).available
    )
    assert hers.offer.certificate_available > hers.offer.certificate_part == 6_300_00
    assert "Сертификат будет израсходован целиком" in page
    assert f'останется <span class="money">{_rub(hers.certificate_left)}</span>' in page


def test_a_child_outside_the_programs_ages_gets_no_estimate(world):
    toddler = child_make(world.parent, birth_date=datetime.date(2022, 1, 10))

    assert offers.offer_estimates(group=world.group, children=[toddler]) == []


def test_the_apply_page_explains_automatic_acceptance(parent_client, world):
    auto = group_make(world.program, world.teacher, auto_accept=True)

    page = _plain(parent_client.get(reverse("enrollment:apply", args=[auto.pk])))
    assert "принимаются автоматически" in page
    page = _plain(parent_client.get(reverse("enrollment:apply", args=[world.group.pk])))
    assert "Заявку рассмотрит организация: ответ — в течение 3 рабочих дней" in page

    response = parent_client.post(
        reverse("enrollment:apply", args=[auto.pk]), {"child": world.child.pk}, follow=True
    )
    assert "Заявка принята автоматически" in _plain(response)
