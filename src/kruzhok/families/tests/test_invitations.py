"""A second parent or guardian joins a family by the first one's invitation."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import PersonalDataConsent, Role, User
from kruzhok.accounts.services import CONSENT_VERSION
from kruzhok.accounts.tests.factories import PASSWORD, UserFactory
from kruzhok.common.models import AuditEvent
from kruzhok.families.invitations import (
    guardian_invitation_accept,
    guardian_invitation_revoke,
    guardian_invitation_token,
    guardian_invite,
)
from kruzhok.families.models import GuardianInvitation, Guardianship
from kruzhok.families.services import SNILS_REGISTERED_MESSAGE
from kruzhok.families.tests.factories import ChildFactory
from kruzhok.notifications.models import Notification

pytestmark = pytest.mark.django_db

GUARDIANS = "/cabinet/children/guardians/"


@pytest.fixture
def children(parent):
    return [
        ChildFactory.create(guardian=parent, municipality=parent.municipality, first_name=name)
        for name in ("Пётр", "Анна")
    ]


def invite(parent, children, email="petrov@example.ru"):
    return guardian_invite(inviter=parent, email=email, child_ids=[c.pk for c in children])


def link_of(invitation) -> str:
    return reverse("families:invitation", args=[guardian_invitation_token(invitation=invitation)])


def test_the_message_about_a_registered_snils_points_to_a_real_page():
    assert "из личного кабинета" in SNILS_REGISTERED_MESSAGE
    assert "«Второй родитель»" in SNILS_REGISTERED_MESSAGE


def test_a_parent_invites_from_the_cabinet_and_a_letter_leaves_after_commit(
    client, parent, children, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(parent)
    assert "Второй родитель" in client.get("/cabinet/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            GUARDIANS, {"email": "Petrov@Example.ru", "children": [children[0].pk]}
        )

    assert response.status_code == 302
    invitation = GuardianInvitation.objects.get()
    assert invitation.email == "petrov@example.ru"
    assert list(invitation.children.all()) == [children[0]]
    assert [m.to for m in mailoutbox] == [["petrov@example.ru"]]
    assert "/cabinet/children/invitations/" in mailoutbox[0].body
    assert "Пётр" in mailoutbox[0].body and "Анна" not in mailoutbox[0].body
    # In the family's log: the child's own audit rows.
    assert AuditEvent.objects.filter(
        action="guardian_invite", object_type="families.child", object_id=str(children[0].pk)
    ).exists()


def test_a_registered_parent_accepts_and_sees_the_children(client, parent, children, other_parent):
    invitation = invite(parent, children)
    client.force_login(other_parent)

    assert "Принять приглашение" in client.get(link_of(invitation)).content.decode()
    response = client.post(link_of(invitation))

    assert response.status_code == 302 and response["Location"] == "/cabinet/"
    assert set(other_parent.children.all()) == set(children)
    assert not Guardianship.objects.filter(user=other_parent, is_primary=True).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by == other_parent
    assert Notification.objects.filter(user=parent, subject="Приглашение принято").exists()
    assert AuditEvent.objects.filter(action="guardian_add").count() == 2
    assert "Анна" in client.get("/cabinet/").content.decode()


def test_a_link_works_once(parent, children, other_parent):
    invitation = invite(parent, children)
    token = guardian_invitation_token(invitation=invitation)
    guardian_invitation_accept(token=token, user=other_parent)
    with pytest.raises(ValidationError, match="уже принято"):
        guardian_invitation_accept(token=token, user=other_parent)


def test_a_new_person_registers_by_the_link_and_is_logged_in(client, parent, children):
    invitation = invite(parent, children, email="new@example.ru")

    response = client.post(
        link_of(invitation),
        {
            "last_name": "Петров",
            "first_name": "Алексей",
            "patronymic": "",
            "phone": "+7 900 111-22-33",
            "municipality": parent.municipality_id,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "consent": "on",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new@example.ru")
    assert user.role == Role.PARENT and user.email_confirmed_at is not None
    assert PersonalDataConsent.objects.filter(user=user, version=CONSENT_VERSION).exists()
    assert set(user.children.all()) == set(children)
    assert client.get("/cabinet/").status_code == 200


def test_registration_by_the_link_needs_the_consent(client, parent, children):
    invitation = invite(parent, children, email="new@example.ru")
    response = client.post(
        link_of(invitation),
        {
            "last_name": "Петров",
            "first_name": "Алексей",
            "phone": "+79001112233",
            "municipality": parent.municipality_id,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(email="new@example.ru").exists()


def test_someone_logged_in_with_another_address_cannot_accept(parent, children):
    invitation = invite(parent, children)
    stranger = UserFactory.create(email="stranger@example.ru")
    with pytest.raises(ValidationError, match="другой адрес"):
        guardian_invitation_accept(
            token=guardian_invitation_token(invitation=invitation), user=stranger
        )
    assert not stranger.children.exists()


def test_a_providers_account_cannot_become_a_guardian(parent, children):
    invitation = invite(parent, children, email="teacher@example.ru")
    teacher = UserFactory.create(email="teacher@example.ru", role=Role.PROVIDER)
    with pytest.raises(ValidationError, match="другого вида"):
        guardian_invitation_accept(
            token=guardian_invitation_token(invitation=invitation), user=teacher
        )


def test_a_revoked_invitation_no_longer_opens(client, parent, children, other_parent):
    invitation = invite(parent, children)
    client.force_login(parent)
    assert "petrov@example.ru" in client.get(GUARDIANS).content.decode()

    client.post(reverse("families:guardian_invitation_revoke", args=[invitation.pk]))

    client.force_login(other_parent)
    response = client.get(link_of(invitation))
    assert response.status_code == 400
    assert "отозвал" in response.content.decode()
    assert AuditEvent.objects.filter(
        action="guardian_invitation_revoke", object_type="families.child"
    ).exists()


def test_only_the_inviter_revokes(client, parent, children, other_parent):
    invitation = invite(parent, children)
    client.force_login(other_parent)
    url = reverse("families:guardian_invitation_revoke", args=[invitation.pk])
    assert client.post(url).status_code == 404
    with pytest.raises(PermissionDenied):
        guardian_invitation_revoke(actor=other_parent, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_an_accepted_invitation_cannot_be_revoked(parent, children, other_parent):
    invitation = invite(parent, children)
    guardian_invitation_accept(
        token=guardian_invitation_token(invitation=invitation), user=other_parent
    )
    with pytest.raises(ValidationError, match="уже принято"):
        guardian_invitation_revoke(actor=parent, invitation=invitation)


def test_an_invitation_expires_after_seven_days(parent, children, other_parent, time_machine):
    invitation = invite(parent, children)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=7, minutes=1))
    with pytest.raises(ValidationError, match="истёк"):
        guardian_invitation_accept(
            token=guardian_invitation_token(invitation=invitation), user=other_parent
        )


def test_inviting_the_same_address_again_replaces_the_old_link(parent, children, other_parent):
    first = invite(parent, children)
    invite(parent, children)
    with pytest.raises(ValidationError, match="отозвал"):
        guardian_invitation_accept(
            token=guardian_invitation_token(invitation=first), user=other_parent
        )


def test_a_parent_invites_only_to_their_own_children(parent, other_parent):
    theirs = ChildFactory.create(guardian=other_parent, municipality=other_parent.municipality)
    with pytest.raises(ValidationError) as refused:
        guardian_invite(inviter=parent, email="x@example.ru", child_ids=[theirs.pk])
    assert "Отметьте хотя бы одного своего ребёнка." in refused.value.message_dict["children"]


def test_a_parent_cannot_invite_themselves_or_a_guardian_already_there(
    parent, children, other_parent
):
    with pytest.raises(ValidationError, match="собственный адрес"):
        invite(parent, children, email=parent.email)
    Guardianship.objects.create(child=children[0], user=other_parent)
    with pytest.raises(ValidationError, match="уже законный представитель"):
        invite(parent, children)


def test_a_child_the_inviter_no_longer_guards_is_not_given_away(parent, children, other_parent):
    invitation = invite(parent, children)
    Guardianship.objects.filter(user=parent, child=children[1]).delete()

    guardian_invitation_accept(
        token=guardian_invitation_token(invitation=invitation), user=other_parent
    )

    assert list(other_parent.children.all()) == [children[0]]


def test_a_damaged_link_says_what_to_do(client):
    response = client.get(reverse("families:invitation", args=["broken"]))
    assert response.status_code == 400
    assert "Ссылка приглашения недействительна" in response.content.decode()
