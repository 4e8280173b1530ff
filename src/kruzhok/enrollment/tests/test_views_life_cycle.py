"""Pages of the life cycle: the parent's list, withdrawal, the contract PDF, the provider's queue
with filters and bulk accept, enrolment windows — each with its access rules."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.catalog.models import Group
from kruzhok.enrollment import services, windows
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.enrollment.tests.world import (
    TODAY,
    application_accepted,
    child_make,
    contract_made,
    full_group,
    group_make,
    program_make,
    provider_make,
    user_make,
)


@pytest.fixture
def contract(world):
    return contract_made(world)


@pytest.fixture
def stranger(world):
    return user_make(municipality=world.municipality)


@pytest.fixture
def other_admin(world):
    return provider_make(world.municipality)[1]


def _get(client, user, name, *args):
    client.force_login(user)
    return client.get(reverse(f"enrollment:{name}", args=args))


def _post(client, user, name, *args, data=None, **kwargs):
    client.force_login(user)
    return client.post(reverse(f"enrollment:{name}", args=args), data or {}, **kwargs)


# The parent's list of applications -------------------------------------------------------------


def test_the_parent_sees_every_application_of_every_child_with_its_next_step(client, world):
    sister = child_make(world.parent)
    application_accepted(world)
    services.application_submit(
        parent=world.parent,
        child_id=sister.pk,
        group_id=group_make(world.program, world.teacher).pk,
    )
    client.force_login(world.parent)
    cabinet = client.get(reverse("cabinet:home")).content.decode()
    assert reverse("enrollment:application_list") in cabinet
    page = _get(client, world.parent, "application_list").content.decode()
    assert world.child.full_name in page and sister.full_name in page
    assert "Принята, ждёт договора" in page and "Примите оферту договора" in page
    assert "Подана" in page and "рассматривает организация до 20.10.2026" in page


def test_the_list_shows_nothing_of_another_family(client, world, stranger):
    application_accepted(world)
    page = _get(client, stranger, "application_list").content.decode()
    assert world.child.full_name not in page
    assert "Заявок пока нет" in page


def test_the_list_is_for_parents_only(client, world):
    assert _get(client, world.admin, "application_list").status_code == 403


# The application page -------------------------------------------------------------------------


def test_the_application_page_warns_of_a_schedule_clash(client, world):
    chess = group_make(
        program_make(world.provider, title="Шахматы"),
        world.teacher,
        schedule=[(3, datetime.time(16, 0), 1)],
    )
    contract_made(world, group=chess)
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    page = _get(client, world.parent, "application_detail", application.pk).content.decode()
    assert 'data-testid="schedule-clash"' in page
    assert "Четверг: здесь 15:00–16:30" in page
    apply_page = _get(client, world.parent, "apply", chess.pk).content.decode()
    assert 'data-testid="schedule-clash"' in apply_page


def test_accepting_an_expired_offer_on_the_page_says_so_and_expires_it(client, world, time_machine):
    application = application_accepted(world)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=6), tick=False)
    response = _post(client, world.parent, "offer_accept", application.pk)
    assert response.status_code == 409
    assert "Срок действия оферты истёк" in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.EXPIRED


def test_applying_to_a_closed_group_gets_a_clear_message(client, world):
    windows.enrollment_window_close(actor=world.admin, group=world.group)
    page = _get(client, world.parent, "apply", world.group.pk).content.decode()
    assert "Запись закрыта" in page and "Подать заявку сейчас нельзя" in page
    assert 'name="child"' not in page
    response = _post(client, world.parent, "apply", world.group.pk, data={"child": world.child.pk})
    assert response.status_code == 400
    assert "Запись закрыта 15.10.2026 в 18:00. Подать заявку сейчас нельзя" in (
        response.content.decode()
    )
    assert not Application.objects.exists()


# Withdrawal -----------------------------------------------------------------------------------


def test_the_parent_withdraws_the_child_on_a_page(client, world, contract):
    url_args = (contract.application.pk,)
    page = _get(client, world.parent, "application_detail", *url_args).content.decode()
    assert reverse("enrollment:application_withdraw", args=url_args) in page
    form = _get(client, world.parent, "application_withdraw", *url_args).content.decode()
    assert 'value="2026-10-15"' in form
    response = _post(
        client,
        world.parent,
        "application_withdraw",
        *url_args,
        data={"on": "2026-10-15", "reason": "Переезд"},
    )
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.terminated_on == TODAY
    page = client.get(response.url).content.decode()
    assert "Ребёнок отчислен из группы с 15.10.2026" in page


def test_withdrawing_an_already_withdrawn_child_on_the_page_says_so(client, world, contract):
    data = {"on": "2026-10-15", "reason": "Переезд"}
    _post(client, world.parent, "application_withdraw", contract.application.pk, data=data)
    response = _post(
        client, world.parent, "application_withdraw", contract.application.pk, data=data
    )
    assert response.status_code == 400
    assert "уже отчислен(а) из группы с 15.10.2026" in response.content.decode()


def test_a_withdrawal_without_a_reason_keeps_the_form(client, world, contract):
    response = _post(
        client,
        world.parent,
        "application_withdraw",
        contract.application.pk,
        data={"on": "2026-10-15", "reason": ""},
    )
    assert response.status_code == 400
    assert "Укажите причину отчисления" in response.content.decode()


def test_the_parents_withdrawal_page_is_404_for_another_family_and_403_for_staff(
    client, world, contract, stranger
):
    pk = contract.application.pk
    assert _get(client, stranger, "application_withdraw", pk).status_code == 404
    data = {"on": "2026-10-15", "reason": "x"}
    assert _post(client, stranger, "application_withdraw", pk, data=data).status_code == 404
    assert _get(client, world.admin, "application_withdraw", pk).status_code == 403
    contract.refresh_from_db()
    assert contract.terminated_on is None


def test_the_provider_withdraws_a_child_from_the_queue(client, world, contract):
    queue = _get(client, world.admin, "provider_queue").content.decode()
    assert "Отчислить" not in queue  # the default filter shows new applications only
    queue = client.get(reverse("enrollment:provider_queue"), {"status": "active"}).content
    assert reverse("enrollment:provider_withdraw", args=[contract.application.pk]) in (
        queue.decode()
    )
    response = _post(
        client,
        world.admin,
        "provider_withdraw",
        contract.application.pk,
        data={"on": "2026-10-16", "reason": "Не посещает"},
    )
    assert response.status_code == 302
    contract.application.refresh_from_db()
    assert contract.application.status == ApplicationStatus.WITHDRAWN


def test_the_providers_withdrawal_page_is_404_for_another_provider_and_403_for_parents(
    client, world, contract, other_admin
):
    pk = contract.application.pk
    assert _get(client, other_admin, "provider_withdraw", pk).status_code == 404
    data = {"on": "2026-10-16", "reason": "x"}
    assert _post(client, other_admin, "provider_withdraw", pk, data=data).status_code == 404
    assert _get(client, world.parent, "provider_withdraw", pk).status_code == 403


# The contract as PDF --------------------------------------------------------------------------


def _is_pdf(response):
    body = response.content
    return (
        response.status_code == 200
        and response["Content-Type"] == "application/pdf"
        and body.startswith(b"%PDF")
        and len(body) > 1024
    )


def test_the_parent_and_the_providers_staff_download_the_contract_as_pdf(client, world, contract):
    response = _get(client, world.parent, "contract_pdf", contract.application.pk)
    assert _is_pdf(response)
    assert f"dogovor-{contract.number}.pdf" in response["Content-Disposition"]
    assert _is_pdf(_get(client, world.admin, "contract_pdf", contract.application.pk))
    assert _is_pdf(_get(client, world.teacher, "contract_pdf", contract.application.pk))


def test_the_contract_document_names_both_parties_and_the_money_in_words(world, contract):
    from django.template.loader import render_to_string

    from kruzhok.common.money import kopecks_in_words
    from kruzhok.enrollment.contract_pdf import contract_pdf_context

    application = Application.objects.get(pk=contract.application.pk)
    html = render_to_string(
        "enrollment/contract_pdf.html", contract_pdf_context(application=application)
    )
    for text in (
        world.provider.full_name,
        f"ИНН {world.provider.inn}",
        f"ОГРН {world.provider.ogrn}",
        world.provider.address,
        world.parent.full_name,
        world.child.full_name,
        "20.05.2016",
        world.program.title,
        world.group.name,
        "с 15.10.2026 по 24.12.2026",
        "вт, чт 15:00, 2 ак. ч.",
        kopecks_in_words(contract.total_cost),
        kopecks_in_words(contract.certificate_part),
        kopecks_in_words(contract.parent_part),
        f"№ {contract.number}",
    ):
        assert text in html, text


def test_an_open_offer_can_be_printed_before_accepting_it(client, world):
    application = application_accepted(world)
    page = _get(client, world.parent, "application_detail", application.pk).content.decode()
    assert "Оферта в PDF" in page
    response = client.get(reverse("enrollment:contract_pdf", args=[application.pk]))
    assert _is_pdf(response)
    assert f"oferta-{application.pk}.pdf" in response["Content-Disposition"]


def test_the_pdf_is_404_for_strangers_and_without_an_offer_and_403_for_the_operator(
    client, world, contract, stranger, other_admin
):
    pk = contract.application.pk
    assert _get(client, stranger, "contract_pdf", pk).status_code == 404
    assert _get(client, other_admin, "contract_pdf", pk).status_code == 404
    operator = user_make(Role.OPERATOR, world.municipality)
    assert _get(client, operator, "contract_pdf", pk).status_code == 403
    submitted = services.application_submit(
        parent=world.parent,
        child_id=world.child.pk,
        group_id=group_make(program_make(world.provider, title="Шахматы"), world.teacher).pk,
    )
    assert _get(client, world.parent, "contract_pdf", submitted.pk).status_code == 404


# The provider's queue -------------------------------------------------------------------------


def test_bulk_accept_reports_how_many_were_accepted_and_how_many_wait(client, world):
    group = group_make(world.program, world.teacher, capacity=2)
    applications = [
        services.application_submit(
            parent=world.parent, child_id=child_make(world.parent).pk, group_id=group.pk
        )
        for _ in range(3)
    ]
    response = _post(
        client,
        world.admin,
        "provider_bulk_accept",
        data={"application": [a.pk for a in applications], "next_query": "status=all"},
        follow=True,
    )
    page = response.content.decode()
    assert "Принято: 2. В лист ожидания (мест нет): 1." in page
    statuses = [Application.objects.get(pk=a.pk).status for a in applications]
    assert statuses == ["accepted", "accepted", "waitlisted"]
    assert response.redirect_chain[-1][0].endswith("?status=all")


def test_bulk_accept_cannot_touch_another_providers_applications(client, world, other_admin):
    application = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    response = _post(
        client,
        other_admin,
        "provider_bulk_accept",
        data={"application": [application.pk]},
        follow=True,
    )
    assert "Принято: 0." in response.content.decode()
    assert "Не приняты: 1." in response.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_bulk_accept_is_for_provider_staff_only(client, world):
    assert _post(client, world.parent, "provider_bulk_accept").status_code == 403


def test_the_queue_filters_by_group_and_overdue_and_highlights_overdue(client, world, time_machine):
    other = group_make(world.program, world.teacher)
    late = services.application_submit(
        parent=world.parent, child_id=world.child.pk, group_id=world.group.pk
    )
    time_machine.move_to(datetime.datetime(2026, 10, 21, 9, 0, tzinfo=datetime.UTC), tick=False)
    fresh = services.application_submit(
        parent=world.parent, child_id=child_make(world.parent).pk, group_id=other.pk
    )
    client.force_login(world.admin)
    url = reverse("enrollment:provider_queue")
    page = client.get(url).content.decode()
    assert f'data-testid="application-{late.pk}"' in page and "Просрочена" in page
    page = client.get(url, {"overdue": "1"}).content.decode()
    assert f"№{late.pk} ·" in page and f"№{fresh.pk} ·" not in page
    page = client.get(url, {"group": other.pk}).content.decode()
    assert f"№{fresh.pk} ·" in page and f"№{late.pk} ·" not in page


def test_the_queue_lets_the_provider_accept_from_the_waiting_line(client, world):
    group = full_group(world, capacity=1, waiting=1)
    Group.objects.filter(pk=group.pk).update(capacity=2)
    client.force_login(world.admin)
    page = client.get(reverse("enrollment:provider_queue"), {"status": "waitlisted"})
    waiting = Application.objects.get(group=group, status="waitlisted")
    assert reverse("enrollment:provider_accept", args=[waiting.pk]) in page.content.decode()
    client.post(reverse("enrollment:provider_accept", args=[waiting.pk]))
    waiting.refresh_from_db()
    assert waiting.status == ApplicationStatus.ACCEPTED


# Enrolment windows ----------------------------------------------------------------------------


def test_the_provider_admin_opens_enrolment_at_a_time(client, world):
    page = _get(client, world.admin, "window_list").content.decode()
    assert world.program.title in page and world.group.name in page
    response = _post(
        client,
        world.admin,
        "window_group",
        world.group.pk,
        data={"action": "save", "opens_at": "2026-10-20T09:00", "closes_at": ""},
    )
    assert response.status_code == 302
    page = client.get(reverse("enrollment:window_list")).content.decode()
    assert "Запись откроется 20.10.2026 в 09:00" in page


def test_closing_and_reopening_a_program_on_the_page(client, world):
    _post(client, world.admin, "window_program", world.program.pk, data={"action": "close"})
    page = client.get(reverse("catalog:program_detail", args=[world.program.pk])).content
    assert "Запись закрыта 15.10.2026 в 18:00" in page.decode()
    _post(client, world.admin, "window_program", world.program.pk, data={"action": "open"})
    page = client.get(reverse("catalog:program_detail", args=[world.program.pk])).content
    assert "Запись открыта" in page.decode()


def test_a_window_that_closes_before_it_opens_keeps_the_form(client, world):
    response = _post(
        client,
        world.admin,
        "window_group",
        world.group.pk,
        data={"action": "save", "opens_at": "2026-10-20T09:00", "closes_at": "2026-10-19T09:00"},
    )
    assert response.status_code == 400
    assert "позже, чем открывается" in response.content.decode()


def test_the_local_operator_manages_windows_too(client, world):
    operator = user_make(Role.OPERATOR, world.municipality)
    assert world.program.title in _get(client, operator, "window_list").content.decode()
    assert _get(client, operator, "window_group", world.group.pk).status_code == 200


def test_window_pages_are_404_for_another_provider_and_403_for_parents(client, world, other_admin):
    assert world.program.title not in _get(client, other_admin, "window_list").content.decode()
    assert _get(client, other_admin, "window_group", world.group.pk).status_code == 404
    response = _post(
        client, other_admin, "window_program", world.program.pk, data={"action": "close"}
    )
    assert response.status_code == 404
    assert _get(client, world.teacher, "window_program", world.program.pk).status_code == 404
    assert _get(client, world.parent, "window_list").status_code == 403
    assert _get(client, world.parent, "window_group", world.group.pk).status_code == 403
