import json

import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.families.models import DataDeletionRequest
from kruzhok.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

PAGES = ["cabinet:my_data", "cabinet:my_data_export"]


@pytest.mark.parametrize("page", PAGES)
def test_my_data_pages_need_a_login(client, page):
    response = client.get(reverse(page))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("page", [*PAGES, "cabinet:my_data_delete"])
def test_my_data_pages_are_for_parents_only(client, page):
    client.force_login(UserFactory.create(role=Role.PROVIDER))

    assert client.post(reverse(page)).status_code in (403, 405)
    assert client.get(reverse(page)).status_code in (403, 405)


def test_the_export_holds_the_family_and_nobody_else(client, parent, other_parent):
    ChildFactory.create(guardian=parent, first_name="Пётр", snils="11223344595")
    ChildFactory.create(guardian=other_parent, first_name="Варвара")
    client.force_login(parent)

    response = client.get(reverse("cabinet:my_data_export"))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["person"]["email"] == parent.email
    assert [c["first_name"] for c in data["children"]] == ["Пётр"]
    assert data["children"][0]["snils"] == "112-233-445 95"
    assert "Варвара" not in response.content.decode()


def test_the_export_carries_invitations_corrections_and_the_calendar(client, parent):
    from kruzhok.families.calendar_feeds import calendar_feed_create
    from kruzhok.families.corrections import child_correction_request
    from kruzhok.families.invitations import guardian_invite
    from kruzhok.families.tests.factories import snils_with_checksum

    child = ChildFactory.create(
        guardian=parent, first_name="Пётр", snils=snils_with_checksum("112233445")
    )
    guardian_invite(inviter=parent, email="second@example.ru", child_ids=[child.pk])
    child_correction_request(
        parent=parent,
        child=child,
        field="snils",
        new_value=snils_with_checksum("112233446"),
        reason="Ошибка в цифре",
    )
    token = calendar_feed_create(user=parent)
    client.force_login(parent)

    response = client.get(reverse("cabinet:my_data_export"))

    data = json.loads(response.content)
    assert data["guardian_invitations"][0]["email"] == "second@example.ru"
    assert data["children"][0]["corrections"][0]["reason"] == "Ошибка в цифре"
    assert data["children"][0]["guardians"] == [parent.full_name]
    assert data["calendar_address_made_at"]
    assert token not in response.content.decode()


def test_the_export_carries_the_certificate_and_the_contract(client, world):
    from kruzhok.enrollment.tests.world import contract_made

    contract = contract_made(world)
    client.force_login(world.parent)

    data = json.loads(client.get(reverse("cabinet:my_data_export")).content)

    child = data["children"][0]
    assert child["certificate"]["operations"]
    assert child["applications"][0]["contract"]["number"] == contract.number


def test_a_deletion_request_needs_the_confirmation(client, parent):
    client.force_login(parent)

    client.post(reverse("cabinet:my_data_delete"))

    assert not DataDeletionRequest.objects.exists()


def test_a_family_with_a_contract_is_anonymised_after_the_records_legal_term(client, world):
    from kruzhok.enrollment.tests.world import contract_made

    contract = contract_made(world)
    client.force_login(world.parent)

    response = client.post(reverse("cabinet:my_data_delete"), {"confirm": "on"}, follow=True)

    request = DataDeletionRequest.objects.get(user=world.parent)
    assert request.anonymise_after.year == contract.end_date.year + 6
    assert request.anonymise_after.strftime("%d.%m.%Y") in response.content.decode()
