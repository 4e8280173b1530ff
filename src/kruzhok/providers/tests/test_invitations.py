import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.enrollment.tests.world import user_make
from kruzhok.providers import invitations
from kruzhok.providers.models import ProviderStaff, StaffInvitation, StaffRole
from kruzhok.providers.tests.data import PASSWORD

pytestmark = pytest.mark.django_db


def _link(message) -> str:
    return next(line for line in message.body.splitlines() if "/provider/invitations/" in line)


def _token(message) -> str:
    return _link(message).rstrip("/").rsplit("/", 1)[1]


def test_an_invitation_letter_leaves_after_commit_with_a_signed_link(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invitations.staff_invite(
            provider=world.provider,
            inviter=world.admin,
            email=" New.Teacher@Mail.ru ",
            role="teacher",
        )
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert invitation.email == "new.teacher@mail.ru"
    assert invitation.expires_at == timezone.now() + datetime.timedelta(days=7)
    (message,) = mail.outbox
    assert message.to == ["new.teacher@mail.ru"]
    assert world.provider.short_name in message.subject
    assert "педагог" in message.body
    assert "/provider/invitations/" in _link(message)


def test_a_new_person_registers_through_the_invitation_and_joins_the_staff(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email="teacher2@mail.ru", role="teacher"
        )
    token = _token(mail.outbox[0])

    staff = invitations.staff_invitation_register(
        token=token,
        password=PASSWORD,
        last_name="Петров",
        first_name="Иван",
        phone="89001234567",
    )
    user = staff.user
    assert (staff.provider, staff.role) == (world.provider, StaffRole.TEACHER)
    assert user.role == Role.PROVIDER
    assert user.email == "teacher2@mail.ru"
    assert user.email_confirmed_at is not None  # the link came to that address
    assert user.municipality == world.municipality
    invitation = StaffInvitation.objects.get()
    assert invitation.accepted_by == user


def test_an_invitation_cannot_be_used_twice(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email="t3@mail.ru", role="teacher"
        )
    token = _token(mail.outbox[0])
    invitations.staff_invitation_register(
        token=token, password=PASSWORD, last_name="Петров", first_name="Иван", phone="89001234567"
    )
    with pytest.raises(ValidationError, match="уже принято"):
        invitations.staff_invitation_register(
            token=token,
            password=PASSWORD,
            last_name="Иванов",
            first_name="Пётр",
            phone="89001234568",
        )
    assert ProviderStaff.objects.filter(user__email="t3@mail.ru").count() == 1


def test_an_invitation_expires_after_seven_days(
    world, time_machine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email="late@mail.ru", role="teacher"
        )
    token = _token(mail.outbox[0])
    time_machine.move_to(timezone.now() + datetime.timedelta(days=6, hours=23), tick=False)
    assert invitations.staff_invitation_open(token=token).email == "late@mail.ru"
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=2), tick=False)
    with pytest.raises(ValidationError, match="истёк"):
        invitations.staff_invitation_open(token=token)


def test_a_damaged_link_is_refused():
    with pytest.raises(ValidationError, match="недействительна"):
        invitations.staff_invitation_open(token="abc:def")


def test_inviting_again_replaces_the_earlier_link(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email="twice@mail.ru", role="teacher"
        )
        invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email="twice@mail.ru", role="admin"
        )
    first, second = (_token(m) for m in mail.outbox)
    with pytest.raises(ValidationError, match="отозвал"):
        invitations.staff_invitation_open(token=first)
    assert invitations.staff_invitation_open(token=second).role == StaffRole.ADMIN


def test_a_revoked_invitation_no_longer_works(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email="rev@mail.ru", role="teacher"
        )
    invitations.staff_invitation_revoke(actor=world.admin, invitation=invitation)
    with pytest.raises(ValidationError, match="отозвал"):
        invitations.staff_invitation_open(token=_token(mail.outbox[0]))


def test_a_registered_provider_employee_accepts_with_their_account(
    world, django_capture_on_commit_callbacks
):
    other_teacher = user_make(Role.PROVIDER)
    with django_capture_on_commit_callbacks(execute=True):
        invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email=other_teacher.email, role="teacher"
        )
    token = _token(mail.outbox[0])
    with pytest.raises(ValidationError, match="уже есть учётная запись"):
        invitations.staff_invitation_register(
            token=token, password=PASSWORD, last_name="А", first_name="Б", phone="89001234567"
        )
    staff = invitations.staff_invitation_accept(token=token, user=other_teacher)
    assert staff.user == other_teacher
    assert staff.provider == world.provider


def test_the_invitation_is_for_its_address_only(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email="someone@mail.ru", role="admin"
        )
    stranger = user_make(Role.PROVIDER)
    with pytest.raises(ValidationError, match="на другой адрес"):
        invitations.staff_invitation_accept(token=_token(mail.outbox[0]), user=stranger)
    assert not ProviderStaff.objects.filter(user=stranger).exists()


def test_a_parents_account_is_not_turned_into_a_providers(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email=world.parent.email, role="teacher"
        )
    with pytest.raises(ValidationError, match="другого вида"):
        invitations.staff_invitation_accept(token=_token(mail.outbox[0]), user=world.parent)
    world.parent.refresh_from_db()
    assert world.parent.role == Role.PARENT


def test_only_an_administrator_invites(world):
    with pytest.raises(PermissionDenied):
        invitations.staff_invite(
            provider=world.provider, inviter=world.teacher, email="x@mail.ru", role="teacher"
        )
    assert not StaffInvitation.objects.exists()


def test_inviting_someone_already_on_the_staff_is_refused(world):
    with pytest.raises(ValidationError) as error:
        invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email=world.teacher.email, role="admin"
        )
    assert error.value.message_dict == {"email": ["Этот человек уже работает в вашей организации."]}


def test_an_invitation_with_a_bad_address_or_role_is_refused(world):
    with pytest.raises(ValidationError) as error:
        invitations.staff_invite(
            provider=world.provider, inviter=world.admin, email="not-an-email", role="director"
        )
    assert set(error.value.message_dict) == {"email", "role"}
