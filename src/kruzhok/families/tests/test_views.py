import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.common.models import AuditEvent
from kruzhok.families.models import Child
from kruzhok.families.tests.factories import ChildFactory, snils_with_checksum
from kruzhok.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _post(client, snils: str):
    return client.post(
        reverse("families:child_add"),
        {
            "last_name": "Иванов",
            "first_name": "Пётр",
            "birth_date": "2016-05-17",
            "snils": snils,
        },
    )


def test_a_snils_of_another_family_tells_its_guardians_and_not_the_parent_whose(
    client, parent, other_parent
):
    ChildFactory.create(guardian=other_parent, snils="11223344595", first_name="Варвара")
    client.force_login(parent)

    response = _post(client, "112-233-445 95")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Варвара" not in html and other_parent.email not in html
    note = Notification.objects.get(user=other_parent)
    assert "СНИЛС" in note.subject
    assert parent.email not in note.body and parent.last_name not in note.body
    assert not Notification.objects.filter(user=parent).exists()


def test_a_snils_of_another_family_says_nothing_of_it_and_the_operator_sees_the_request(
    client, parent, other_parent
):
    theirs = ChildFactory.create(guardian=other_parent, snils="11223344595")
    client.force_login(parent)

    html = _post(client, "112-233-445 95").content.decode()

    assert "зарегистрирован" not in html and "уже есть" not in html
    assert "передали запрос в муниципальный опорный центр" in html
    event = AuditEvent.objects.get(action="child_add_duplicate")
    assert (event.actor, event.object_type, event.object_id) == (
        parent,
        "families.child",
        str(theirs.pk),
    )
    assert "11223344595" not in str(event.details)
    operator = UserFactory.create(role=Role.OPERATOR, municipality=parent.municipality)
    client.force_login(operator)
    page = client.get(reverse("oversight:audit"), {"action": "child_add_duplicate"})
    assert "Попытка добавить ребёнка с СНИЛС другой семьи" in page.content.decode()
    assert list(page.context["page"].object_list) == [event]


def test_a_parent_probing_registered_snils_is_stopped_for_the_day(
    client, parent, other_parent, settings
):
    settings.KRUZHOK_SNILS_REFUSALS_PER_DAY = 3
    taken = [ChildFactory.create(guardian=other_parent).snils for _ in range(3)]
    client.force_login(parent)
    for snils in taken:
        assert "не получилось" in _post(client, snils).content.decode()

    # Even a СНИЛС nobody has registered is not tried now: the answer would tell it is free.
    response = _post(client, snils_with_checksum("777777777"))

    assert "Добавить ребёнка можно будет завтра" in response.content.decode()
    assert not Child.objects.filter(guardianships__user=parent).exists()


def test_adding_a_child_needs_a_login(client):
    response = client.get(reverse("families:child_add"))
    assert response.status_code == 302
