import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kruzhok.accounts.models import Role
from kruzhok.common.models import AuditEvent, Municipality
from kruzhok.notifications.models import Notification
from kruzhok.providers import joining, moderation
from kruzhok.providers.models import ProviderModerationEvent, ProviderStatus
from kruzhok.providers.tests.data import join_arguments, operator_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def joined(municipality):
    return joining.provider_join(**join_arguments(municipality))


@pytest.fixture
def operator(municipality):
    return operator_make(municipality)


def test_the_operator_admits_a_provider_and_its_administrator_is_told(joined, operator):
    provider = moderation.provider_approve(operator=operator, provider=joined.provider)

    assert provider.status == ProviderStatus.APPROVED
    event = ProviderModerationEvent.objects.get(provider=provider)
    assert (event.actor, event.from_status, event.to_status) == (
        operator,
        ProviderStatus.MODERATING,
        ProviderStatus.APPROVED,
    )
    note = Notification.objects.get(user=joined.user)
    assert note.subject == "Организация допущена к работе на портале"
    assert note.link == "/provider/"
    # The decision and who made it are in the provider's history, the one record of it.
    assert not AuditEvent.objects.filter(action="provider_approved").exists()


def test_a_rejection_carries_its_reason_to_the_administrator(joined, operator):
    moderation.provider_reject(
        operator=operator, provider=joined.provider, reason="  Лицензия не найдена в реестре.  "
    )
    joined.provider.refresh_from_db()
    assert joined.provider.status == ProviderStatus.REJECTED
    assert ProviderModerationEvent.objects.get().remarks == "Лицензия не найдена в реестре."
    assert "Лицензия не найдена в реестре." in Notification.objects.get(user=joined.user).body


def test_a_rejection_needs_a_reason(joined, operator):
    with pytest.raises(ValidationError) as error:
        moderation.provider_reject(operator=operator, provider=joined.provider, reason="   ")
    assert list(error.value.message_dict) == ["reason"]
    joined.provider.refresh_from_db()
    assert joined.provider.status == ProviderStatus.MODERATING


def test_a_decision_is_made_once(joined, operator):
    moderation.provider_approve(operator=operator, provider=joined.provider)
    with pytest.raises(ValidationError, match="уже принято"):
        moderation.provider_approve(operator=operator, provider=joined.provider)
    with pytest.raises(ValidationError, match="уже принято"):
        moderation.provider_reject(operator=operator, provider=joined.provider, reason="Нет")
    assert ProviderModerationEvent.objects.count() == 1


def test_an_operator_of_another_municipality_cannot_decide(joined):
    elsewhere = operator_make(Municipality.objects.create(name="Левокумский округ"))
    with pytest.raises(PermissionDenied):
        moderation.provider_approve(operator=elsewhere, provider=joined.provider)
    joined.provider.refresh_from_db()
    assert joined.provider.status == ProviderStatus.MODERATING


def test_a_regional_administrator_decides_in_any_municipality(joined):
    regional = operator_make(
        Municipality.objects.create(name="Ставрополь"), role=Role.REGIONAL_ADMIN
    )
    moderation.provider_approve(operator=regional, provider=joined.provider)
    joined.provider.refresh_from_db()
    assert joined.provider.status == ProviderStatus.APPROVED


def test_neither_a_parent_nor_a_provider_can_decide(joined, world):
    for user in (world.parent, joined.user):
        with pytest.raises(PermissionDenied):
            moderation.provider_approve(operator=user, provider=joined.provider)


def test_a_rejected_provider_resubmits_and_the_operator_is_told(joined, operator):
    moderation.provider_reject(operator=operator, provider=joined.provider, reason="Нет лицензии")
    moderation.provider_resubmit(actor=joined.user, provider=joined.provider)
    joined.provider.refresh_from_db()
    assert joined.provider.status == ProviderStatus.MODERATING
    assert Notification.objects.filter(user=operator, subject__contains="снова").exists()
    with pytest.raises(ValidationError, match="только после отказа"):
        moderation.provider_resubmit(actor=joined.user, provider=joined.provider)
