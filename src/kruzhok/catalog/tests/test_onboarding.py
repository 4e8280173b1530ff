import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.catalog import onboarding
from kruzhok.catalog.bank_details import settlement_account_with_key
from kruzhok.catalog.models import (
    Provider,
    ProviderKind,
    ProviderStaff,
    ProviderStatus,
    StaffInvitation,
    StaffRole,
)
from kruzhok.catalog.tests.cabinet_data import (
    PASSWORD,
    SBER_ACCOUNT,
    join_arguments,
    operator_make,
)
from kruzhok.catalog.tests.factories import inn_entrepreneur, ogrnip
from kruzhok.common.models import AuditEvent
from kruzhok.enrollment.tests.world import user_make
from kruzhok.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _link(message) -> str:
    return next(line for line in message.body.splitlines() if "/provider/invitations/" in line)


def _token(message) -> str:
    return _link(message).rstrip("/").rsplit("/", 1)[1]


# Joining -----------------------------------------------------------------------------------


def test_joining_creates_the_provider_on_moderation_and_its_administrator(
    municipality, django_capture_on_commit_callbacks
):
    operator = operator_make(municipality)
    with django_capture_on_commit_callbacks(execute=True):
        staff = onboarding.provider_join(**join_arguments(municipality, email="Director@Mail.RU"))

    provider, user = staff.provider, staff.user
    assert provider.status == ProviderStatus.MODERATING
    assert provider.municipality == municipality
    assert (provider.bik, provider.settlement_account) == ("040702615", SBER_ACCOUNT)
    assert provider.phone == "+78655841234"
    assert staff.role == StaffRole.ADMIN
    assert user.role == Role.PROVIDER
    assert user.email == "director@mail.ru"
    assert user.check_password(PASSWORD)
    assert user.email_confirmed_at is None
    # The confirmation letter to the administrator, and the operator is told.
    assert [m.to for m in mail.outbox if "Подтвердите" in m.subject] == [["director@mail.ru"]]
    notification = Notification.objects.get(user=operator)
    assert "ждёт проверки" in notification.subject
    assert AuditEvent.objects.filter(action="provider_join", object_id=str(provider.pk)).exists()


def test_an_entrepreneur_teaching_alone_joins_without_a_licence(municipality):
    staff = onboarding.provider_join(
        **join_arguments(
            municipality,
            kind=ProviderKind.ENTREPRENEUR,
            inn=inn_entrepreneur(700_001),
            ogrn=ogrnip(700_001),
            license_number="",
        )
    )
    assert staff.provider.kind == ProviderKind.ENTREPRENEUR
    assert staff.provider.license_number == ""


def test_every_mistake_is_reported_at_once_and_nothing_is_saved(
    municipality, django_capture_on_commit_callbacks
):
    users, providers = User.objects.count(), Provider.objects.count()
    arguments = join_arguments(
        municipality,
        password="123",
        phone="12345",
        inn="7800000001",
        ogrn="1027800000001",
        license_number="",
        bik="04070261",
        settlement_account="40702810060100000000",
        org_email="",
    )
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as error:
        onboarding.provider_join(**arguments)

    fields = set(error.value.message_dict)
    assert {"password", "phone", "inn", "ogrn", "license_number", "bik", "org_email"} <= fields
    assert User.objects.count() == users
    assert Provider.objects.count() == providers
    assert mail.outbox == []


def test_a_valid_person_with_a_broken_organisation_leaves_no_account(municipality):
    arguments = join_arguments(municipality, settlement_account="40702810060100000000")
    with pytest.raises(ValidationError) as error:
        onboarding.provider_join(**arguments)
    assert list(error.value.message_dict) == ["settlement_account"]
    assert not User.objects.filter(email=arguments["email"]).exists()


def test_an_inn_already_on_the_portal_is_refused(municipality):
    first = onboarding.provider_join(**join_arguments(municipality))
    arguments = join_arguments(municipality, inn=first.provider.inn)
    with pytest.raises(ValidationError) as error:
        onboarding.provider_join(**arguments)
    assert error.value.message_dict["inn"] == ["Поставщик с таким ИНН уже зарегистрирован."]


def test_a_taken_email_is_refused(municipality):
    user = user_make()
    with pytest.raises(ValidationError) as error:
        onboarding.provider_join(**join_arguments(municipality, email=user.email))
    assert "уже зарегистрирован" in error.value.message_dict["email"][0]


# Profile -----------------------------------------------------------------------------------


def test_the_administrator_changes_bank_details_and_the_operator_is_told(municipality):
    staff = onboarding.provider_join(**join_arguments(municipality))
    operator = operator_make(municipality)
    corr = "30101810400000000225"
    new_account = settlement_account_with_key(account="40702810938000000001", bik="044525225")
    provider = onboarding.provider_profile_update(
        actor=staff.user,
        provider=staff.provider,
        bank_name="ПАО Сбербанк",
        bik="044525225",
        settlement_account=new_account,
        correspondent_account=corr,
    )
    provider.refresh_from_db()
    assert provider.settlement_account == new_account
    event = AuditEvent.objects.get(action="provider_profile_update")
    assert event.details["settlement_account_before"] == SBER_ACCOUNT
    assert event.details["settlement_account_after"] == new_account
    assert Notification.objects.filter(user=operator, subject__contains="реквизиты").exists()


def test_a_teacher_cannot_change_the_provider(world):
    with pytest.raises(PermissionDenied):
        onboarding.provider_profile_update(
            actor=world.teacher, provider=world.provider, short_name="Чужое"
        )


def test_profile_refuses_a_broken_account_and_keeps_the_old_one(municipality):
    staff = onboarding.provider_join(**join_arguments(municipality))
    with pytest.raises(ValidationError) as error:
        onboarding.provider_profile_update(
            actor=staff.user, provider=staff.provider, settlement_account="40702810060100000000"
        )
    assert list(error.value.message_dict) == ["settlement_account"]
    staff.provider.refresh_from_db()
    assert staff.provider.settlement_account == SBER_ACCOUNT


# Invitations -------------------------------------------------------------------------------


def test_an_invitation_letter_leaves_after_commit_with_a_signed_link(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = onboarding.staff_invite(
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
        onboarding.staff_invite(
            provider=world.provider, inviter=world.admin, email="teacher2@mail.ru", role="teacher"
        )
    token = _token(mail.outbox[0])

    staff = onboarding.staff_invitation_register(
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
        onboarding.staff_invite(
            provider=world.provider, inviter=world.admin, email="t3@mail.ru", role="teacher"
        )
    token = _token(mail.outbox[0])
    onboarding.staff_invitation_register(
        token=token, password=PASSWORD, last_name="Петров", first_name="Иван", phone="89001234567"
    )
    with pytest.raises(ValidationError, match="уже принято"):
        onboarding.staff_invitation_register(
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
        onboarding.staff_invite(
            provider=world.provider, inviter=world.admin, email="late@mail.ru", role="teacher"
        )
    token = _token(mail.outbox[0])
    time_machine.move_to(timezone.now() + datetime.timedelta(days=6, hours=23), tick=False)
    assert onboarding.staff_invitation_open(token=token).email == "late@mail.ru"
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=2), tick=False)
    with pytest.raises(ValidationError, match="истёк"):
        onboarding.staff_invitation_open(token=token)


def test_a_damaged_link_is_refused():
    with pytest.raises(ValidationError, match="недействительна"):
        onboarding.staff_invitation_open(token="abc:def")


def test_inviting_again_replaces_the_earlier_link(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        onboarding.staff_invite(
            provider=world.provider, inviter=world.admin, email="twice@mail.ru", role="teacher"
        )
        onboarding.staff_invite(
            provider=world.provider, inviter=world.admin, email="twice@mail.ru", role="admin"
        )
    first, second = (_token(m) for m in mail.outbox)
    with pytest.raises(ValidationError, match="отозвал"):
        onboarding.staff_invitation_open(token=first)
    assert onboarding.staff_invitation_open(token=second).role == StaffRole.ADMIN


def test_a_revoked_invitation_no_longer_works(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = onboarding.staff_invite(
            provider=world.provider, inviter=world.admin, email="rev@mail.ru", role="teacher"
        )
    onboarding.staff_invitation_revoke(actor=world.admin, invitation=invitation)
    with pytest.raises(ValidationError, match="отозвал"):
        onboarding.staff_invitation_open(token=_token(mail.outbox[0]))


def test_a_registered_provider_employee_accepts_with_their_account(
    world, django_capture_on_commit_callbacks
):
    other_teacher = user_make(Role.PROVIDER)
    with django_capture_on_commit_callbacks(execute=True):
        onboarding.staff_invite(
            provider=world.provider, inviter=world.admin, email=other_teacher.email, role="teacher"
        )
    token = _token(mail.outbox[0])
    with pytest.raises(ValidationError, match="уже есть учётная запись"):
        onboarding.staff_invitation_register(
            token=token, password=PASSWORD, last_name="А", first_name="Б", phone="89001234567"
        )
    staff = onboarding.staff_invitation_accept(token=token, user=other_teacher)
    assert staff.user == other_teacher
    assert staff.provider == world.provider


def test_the_invitation_is_for_its_address_only(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        onboarding.staff_invite(
            provider=world.provider, inviter=world.admin, email="someone@mail.ru", role="admin"
        )
    stranger = user_make(Role.PROVIDER)
    with pytest.raises(ValidationError, match="на другой адрес"):
        onboarding.staff_invitation_accept(token=_token(mail.outbox[0]), user=stranger)
    assert not ProviderStaff.objects.filter(user=stranger).exists()


def test_a_parents_account_is_not_turned_into_a_providers(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        onboarding.staff_invite(
            provider=world.provider, inviter=world.admin, email=world.parent.email, role="teacher"
        )
    with pytest.raises(ValidationError, match="другого вида"):
        onboarding.staff_invitation_accept(token=_token(mail.outbox[0]), user=world.parent)
    world.parent.refresh_from_db()
    assert world.parent.role == Role.PARENT


def test_only_an_administrator_invites(world):
    with pytest.raises(PermissionDenied):
        onboarding.staff_invite(
            provider=world.provider, inviter=world.teacher, email="x@mail.ru", role="teacher"
        )
    assert not StaffInvitation.objects.exists()


def test_inviting_someone_already_on_the_staff_is_refused(world):
    with pytest.raises(ValidationError) as error:
        onboarding.staff_invite(
            provider=world.provider, inviter=world.admin, email=world.teacher.email, role="admin"
        )
    assert error.value.message_dict == {"email": ["Этот человек уже работает в вашей организации."]}


def test_an_invitation_with_a_bad_address_or_role_is_refused(world):
    with pytest.raises(ValidationError) as error:
        onboarding.staff_invite(
            provider=world.provider, inviter=world.admin, email="not-an-email", role="director"
        )
    assert set(error.value.message_dict) == {"email", "role"}
