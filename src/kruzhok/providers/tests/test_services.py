import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.common.models import AuditEvent
from kruzhok.notifications.models import Notification
from kruzhok.providers import joining, services
from kruzhok.providers.bank_details import settlement_account_with_key
from kruzhok.providers.models import ProviderKind, ProviderStaff, ProviderStatus, StaffRole
from kruzhok.providers.tests.data import SBER_ACCOUNT, join_arguments, operator_make
from kruzhok.providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

SBERBANK_INN = "7707083893"
SBERBANK_OGRN = "1027700132195"
ENTREPRENEUR_INN = "500100732259"
ENTREPRENEUR_OGRNIP = "304500116000157"


def provider_kwargs(municipality, **overrides):
    values = {
        "kind": ProviderKind.ORGANIZATION,
        "full_name": "Публичное акционерное общество «Сбербанк России»",
        "short_name": "Сбербанк",
        "inn": SBERBANK_INN,
        "ogrn": SBERBANK_OGRN,
        "license_number": "Л035-01234-77/00000001",
        "address": "г. Москва, ул. Вавилова, 19",
        "municipality": municipality,
    }
    values.update(overrides)
    return values


def error_fields(exc_info) -> set[str]:
    return set(exc_info.value.message_dict)


# Providers ---------------------------------------------------------------------------------


def test_organisation_with_real_inn_and_ogrn_is_created_on_moderation(municipality):
    provider = services.provider_create(**provider_kwargs(municipality))

    assert provider.pk is not None
    assert provider.status == ProviderStatus.MODERATING
    assert (provider.inn, provider.ogrn) == (SBERBANK_INN, SBERBANK_OGRN)


def test_entrepreneur_with_real_12_digit_inn_and_15_digit_ogrnip_is_created(municipality):
    provider = services.provider_create(
        **provider_kwargs(
            municipality,
            kind=ProviderKind.ENTREPRENEUR,
            inn=ENTREPRENEUR_INN,
            ogrn=ENTREPRENEUR_OGRNIP,
        )
    )

    assert provider.kind == ProviderKind.ENTREPRENEUR


def test_spaces_and_dashes_in_numbers_are_dropped(municipality):
    provider = services.provider_create(
        **provider_kwargs(municipality, inn="7707 083 893", ogrn="1-027-700-132-195")
    )

    assert (provider.inn, provider.ogrn) == (SBERBANK_INN, SBERBANK_OGRN)


@pytest.mark.parametrize(
    ("inn", "ogrn", "fields"),
    [
        ("7707083894", SBERBANK_OGRN, {"inn"}),  # wrong check digit
        (SBERBANK_INN, "1027700132194", {"ogrn"}),  # wrong check digit
        ("770708389", SBERBANK_OGRN, {"inn"}),  # too short
        ("77070838ab", SBERBANK_OGRN, {"inn"}),  # not digits
        ("", "", {"inn", "ogrn"}),
    ],
)
def test_invalid_inn_or_ogrn_is_refused_with_the_field_named(municipality, inn, ogrn, fields):
    with pytest.raises(ValidationError) as exc_info:
        services.provider_create(**provider_kwargs(municipality, inn=inn, ogrn=ogrn))

    assert error_fields(exc_info) == fields


def test_an_organisation_cannot_have_an_entrepreneurs_numbers(municipality):
    with pytest.raises(ValidationError) as exc_info:
        services.provider_create(
            **provider_kwargs(municipality, inn=ENTREPRENEUR_INN, ogrn=ENTREPRENEUR_OGRNIP)
        )

    messages = exc_info.value.message_dict
    assert messages["inn"] == ["ИНН организации состоит из 10 цифр."]
    assert messages["ogrn"] == ["ОГРН организации состоит из 13 цифр."]


def test_an_entrepreneur_cannot_have_an_organisations_numbers(municipality):
    with pytest.raises(ValidationError) as exc_info:
        services.provider_create(**provider_kwargs(municipality, kind=ProviderKind.ENTREPRENEUR))

    assert error_fields(exc_info) == {"inn", "ogrn"}


def test_an_entrepreneur_with_a_bad_ogrnip_check_digit_is_refused(municipality):
    with pytest.raises(ValidationError) as exc_info:
        services.provider_create(
            **provider_kwargs(
                municipality,
                kind=ProviderKind.ENTREPRENEUR,
                inn=ENTREPRENEUR_INN,
                ogrn="304500116000158",
            )
        )

    assert error_fields(exc_info) == {"ogrn"}


def test_the_same_inn_cannot_be_registered_twice(municipality):
    services.provider_create(**provider_kwargs(municipality))

    with pytest.raises(ValidationError) as exc_info:
        services.provider_create(**provider_kwargs(municipality, short_name="Другой"))

    assert "уже зарегистрирован" in exc_info.value.message_dict["inn"][0]


def test_a_broken_email_is_refused_next_to_its_field(municipality):
    with pytest.raises(ValidationError) as exc_info:
        services.provider_create(**provider_kwargs(municipality, email="не почта"))

    assert error_fields(exc_info) == {"email"}


def test_staff_added_to_a_provider_gets_the_provider_role():
    provider = ProviderFactory.create()
    user = UserFactory.create()

    staff = services.provider_staff_add(provider=provider, user=user, role=StaffRole.TEACHER)
    services.provider_staff_add(provider=provider, user=user, role=StaffRole.ADMIN)

    user.refresh_from_db()
    assert user.role == Role.PROVIDER
    assert ProviderStaff.objects.get(pk=staff.pk).role == StaffRole.ADMIN
    assert ProviderStaff.objects.filter(user=user).count() == 1


def test_generated_providers_pass_the_same_checks_for_both_kinds():
    assert ProviderFactory.create().kind == ProviderKind.ORGANIZATION
    assert ProviderFactory.create(entrepreneur=True).kind == ProviderKind.ENTREPRENEUR


# Profile -----------------------------------------------------------------------------------


def test_the_administrator_changes_bank_details_and_the_operator_is_told(municipality):
    staff = joining.provider_join(**join_arguments(municipality))
    operator = operator_make(municipality)
    corr = "30101810400000000225"
    new_account = settlement_account_with_key(account="40702810938000000001", bik="044525225")
    provider = services.provider_profile_update(
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
        services.provider_profile_update(
            actor=world.teacher, provider=world.provider, short_name="Чужое"
        )


def test_profile_refuses_a_broken_account_and_keeps_the_old_one(municipality):
    staff = joining.provider_join(**join_arguments(municipality))
    with pytest.raises(ValidationError) as error:
        services.provider_profile_update(
            actor=staff.user, provider=staff.provider, settlement_account="40702810060100000000"
        )
    assert list(error.value.message_dict) == ["settlement_account"]
    staff.provider.refresh_from_db()
    assert staff.provider.settlement_account == SBER_ACCOUNT


def test_an_organisations_kpp_is_checked_and_an_entrepreneur_has_none(municipality):
    staff = joining.provider_join(**join_arguments(municipality))
    with pytest.raises(ValidationError) as error:
        services.provider_profile_update(actor=staff.user, provider=staff.provider, kpp="2634-01")
    assert "9 знаков" in error.value.message_dict["kpp"][0]

    services.provider_profile_update(actor=staff.user, provider=staff.provider, kpp="2634 01 001")

    staff.provider.refresh_from_db()
    assert staff.provider.kpp == "263401001"
    assert AuditEvent.objects.get(action="provider_profile_update").details["kpp_after"] == (
        "263401001"
    )
    staff.provider.kind = ProviderKind.ENTREPRENEUR
    staff.provider.save(update_fields=["kind"])
    with pytest.raises(ValidationError, match="нет КПП"):
        services.provider_profile_update(actor=staff.user, provider=staff.provider, kpp="263401001")
