import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from kruzhok.accounts.models import Role, User
from kruzhok.common.models import AuditEvent
from kruzhok.enrollment.tests.world import user_make
from kruzhok.notifications.models import Notification
from kruzhok.providers import joining
from kruzhok.providers.models import Provider, ProviderKind, ProviderStatus, StaffRole
from kruzhok.providers.tests.data import PASSWORD, SBER_ACCOUNT, join_arguments, operator_make
from kruzhok.providers.tests.factories import inn_entrepreneur, ogrnip

pytestmark = pytest.mark.django_db


def test_joining_creates_the_provider_on_moderation_and_its_administrator(
    municipality, django_capture_on_commit_callbacks
):
    operator = operator_make(municipality)
    with django_capture_on_commit_callbacks(execute=True):
        staff = joining.provider_join(**join_arguments(municipality, email="Director@Mail.RU"))

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
    staff = joining.provider_join(
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
        joining.provider_join(**arguments)

    fields = set(error.value.message_dict)
    assert {"password", "phone", "inn", "ogrn", "license_number", "bik", "org_email"} <= fields
    assert User.objects.count() == users
    assert Provider.objects.count() == providers
    assert mail.outbox == []


def test_a_valid_person_with_a_broken_organisation_leaves_no_account(municipality):
    arguments = join_arguments(municipality, settlement_account="40702810060100000000")
    with pytest.raises(ValidationError) as error:
        joining.provider_join(**arguments)
    assert list(error.value.message_dict) == ["settlement_account"]
    assert not User.objects.filter(email=arguments["email"]).exists()


def test_an_inn_already_on_the_portal_is_refused(municipality):
    first = joining.provider_join(**join_arguments(municipality))
    arguments = join_arguments(municipality, inn=first.provider.inn)
    with pytest.raises(ValidationError) as error:
        joining.provider_join(**arguments)
    assert error.value.message_dict["inn"] == ["Поставщик с таким ИНН уже зарегистрирован."]


def test_a_taken_email_creates_nothing_and_its_owner_gets_a_letter(
    municipality, django_capture_on_commit_callbacks
):
    user = user_make()
    operator = operator_make(municipality)
    arguments = join_arguments(municipality, email=user.email.upper())
    with django_capture_on_commit_callbacks(execute=True):
        assert joining.provider_join(**arguments) is None

    assert not Provider.objects.filter(inn=arguments["inn"]).exists()
    assert User.objects.filter(email__iexact=user.email).count() == 1
    assert not Notification.objects.filter(user=operator).exists()
    (letter,) = mail.outbox
    assert letter.to == [user.email]
    assert "уже есть" in letter.body and "/accounts/password/reset/" in letter.body


def test_with_a_taken_email_every_other_mistake_is_reported_as_with_a_new_one(municipality):
    taken = user_make().email
    broken = {"settlement_account": "40702810060100000000", "phone": "12", "password": "1"}
    answers = []
    for email in (taken, "new-director@example.ru"):
        with pytest.raises(ValidationError) as error:
            joining.provider_join(**join_arguments(municipality, email=email, **broken))
        answers.append(error.value.message_dict)

    assert answers[0] == answers[1]
    assert set(answers[0]) == {"settlement_account", "phone", "password"}
    assert not Provider.objects.exists() and not mail.outbox
