import time
from typing import Any

import pytest
from django.core import signing
from django.core.exceptions import ValidationError

from kruzhok.accounts import services
from kruzhok.accounts.models import Role, User
from kruzhok.accounts.tests.factories import MunicipalityFactory, UserFactory
from kruzhok.common.models import AuditEvent

pytestmark = pytest.mark.django_db


def register(**overrides):
    data: dict[str, Any] = {
        "email": "Ivanova@Mail.RU",
        "password": "Kruzhok-2026-parol",
        "last_name": "Иванова",
        "first_name": "Мария",
        "patronymic": "Петровна",
        "phone": "8 (900) 123-45-67",
        "municipality": MunicipalityFactory.create(),
        "site_url": "https://kruzhok.example.ru/",
    }
    data.update(overrides)
    return services.user_register(**data)


def field_messages(exc: pytest.ExceptionInfo[ValidationError], field: str) -> str:
    return " ".join(exc.value.message_dict[field])


def test_registration_creates_a_parent_with_lower_cased_email_and_normalised_phone():
    user = register()

    user.refresh_from_db()
    assert user.role == Role.PARENT
    assert user.email == "ivanova@mail.ru"
    assert user.phone == "+79001234567"
    assert user.full_name == "Иванова Мария Петровна"
    assert user.check_password("Kruzhok-2026-parol")
    assert user.email_confirmed_at is None


def test_registration_sends_the_confirmation_link_only_once_the_transaction_commits(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks() as callbacks:
        user = register()
        assert mailoutbox == []

    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [user.email]
    assert "Подтвердите адрес электронной почты" in mail.subject
    assert "https://kruzhok.example.ru/accounts/confirm/" in mail.body


def test_a_providers_employee_registers_with_the_provider_role():
    user = register(role=Role.PROVIDER)

    user.refresh_from_db()
    assert user.role == Role.PROVIDER
    assert user.email_confirmed_at is None


def test_an_address_confirmed_by_the_link_it_came_by_gets_no_letter(
    django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        user = register(role=Role.PROVIDER, email_confirmed=True, via="staff_invitation")

    assert user.email_confirmed_at is not None
    assert mailoutbox == []
    event = AuditEvent.objects.get(action="user_register", object_id=str(user.pk))
    assert event.details == {"via": "staff_invitation"}


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.REGIONAL_ADMIN])
def test_nobody_registers_themselves_as_an_operator(role):
    with pytest.raises(ValueError, match="register themselves"):
        register(role=role)
    assert not User.objects.exists()


def test_the_link_in_the_email_confirms_the_address(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        user = register()
    token = mailoutbox[0].body.split("/accounts/confirm/")[1].split("/")[0]

    services.user_confirm_email(token=token)

    user.refresh_from_db()
    assert user.email_confirmed_at is not None


def test_registration_is_recorded_in_the_audit_journal():
    user = register()

    assert AuditEvent.objects.filter(action="user_register", object_id=str(user.pk)).exists()


def test_an_email_already_registered_is_refused_whatever_its_case():
    UserFactory.create(email="ivanova@mail.ru")

    with pytest.raises(ValidationError) as exc:
        register(email="IVANOVA@mail.ru")

    assert "уже зарегистрирован" in field_messages(exc, "email")
    assert User.objects.count() == 1


def test_two_registrations_racing_past_the_check_end_with_one_account(monkeypatch):
    UserFactory.create(email="ivanova@mail.ru")
    monkeypatch.setattr(services, "user_email_is_taken", lambda *, email: False)

    with pytest.raises(ValidationError) as exc:
        register(email="ivanova@mail.ru")

    assert "уже зарегистрирован" in field_messages(exc, "email")
    assert User.objects.count() == 1


def test_a_phone_that_is_not_russian_is_refused():
    with pytest.raises(ValidationError) as exc:
        register(phone="12345")

    assert "+7 900 123-45-67" in field_messages(exc, "phone")


def test_a_weak_password_is_refused_by_the_password_validators():
    with pytest.raises(ValidationError) as exc:
        register(password="12345678")

    assert "только из цифр" in field_messages(exc, "password")


def test_a_good_token_confirms_the_email():
    user = UserFactory.create(email_confirmed_at=None)
    token = services.user_email_confirmation_token(user=user)

    confirmed = services.user_confirm_email(token=token)

    assert confirmed == user
    user.refresh_from_db()
    assert user.email_confirmed_at is not None


def test_confirming_twice_keeps_the_first_confirmation_time():
    user = UserFactory.create(email_confirmed_at=None)
    token = services.user_email_confirmation_token(user=user)
    first = services.user_confirm_email(token=token).email_confirmed_at

    second = services.user_confirm_email(token=token).email_confirmed_at

    assert second == first


def test_a_token_older_than_seven_days_is_refused_as_expired(monkeypatch):
    user = UserFactory.create(email_confirmed_at=None)
    eight_days_ago = int(time.time()) - 8 * 24 * 3600
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(eight_days_ago)
    )
    token = services.user_email_confirmation_token(user=user)
    monkeypatch.undo()

    with pytest.raises(ValidationError) as exc:
        services.user_confirm_email(token=token)

    assert exc.value.code == "expired"
    assert "истёк" in exc.value.messages[0]
    user.refresh_from_db()
    assert user.email_confirmed_at is None


@pytest.mark.parametrize("token", ["", "garbage", "eyJ1c2VyIjoxfQ:1abc:forged"])
def test_a_damaged_or_forged_token_is_refused(token):
    with pytest.raises(ValidationError) as exc:
        services.user_confirm_email(token=token)

    assert exc.value.code == "invalid"
    assert "недействительна" in exc.value.messages[0]


def test_a_token_sent_to_an_old_address_does_not_confirm_a_new_one():
    user = UserFactory.create(email="old@example.ru", email_confirmed_at=None)
    token = services.user_email_confirmation_token(user=user)
    User.objects.filter(pk=user.pk).update(email="new@example.ru")

    with pytest.raises(ValidationError):
        services.user_confirm_email(token=token)

    user.refresh_from_db()
    assert user.email_confirmed_at is None


def test_a_token_signed_for_another_purpose_is_refused():
    user = UserFactory.create(email_confirmed_at=None)
    token = signing.dumps({"user": user.pk, "email": user.email}, salt="something.else")

    with pytest.raises(ValidationError):
        services.user_confirm_email(token=token)
