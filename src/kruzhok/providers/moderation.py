"""The operator's decisions on providers, and the pieces program moderation shares with them.

States and who moves them (DOMAIN.md codes):

    provider: moderating → approved | rejected;  rejected → moderating (the provider resubmits)

Each transition is one function: it locks the row, checks the current status, records who made
the change in the provider's history (ProviderModerationEvent: the one record of moderation,
which the pages read; the audit log does not repeat it), and tells the people concerned; the
e-mails leave after the transaction commits. Programs are moderated in `catalog.moderation`
the same way.

A transition from the wrong status (a second click, a decision already made by a colleague)
raises ValidationError with a message for the person. Acting outside one's reach (an operator
of another municipality, a teacher instead of an administrator) raises PermissionDenied: views
never offer it, so it is a defect or a forged request.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from kruzhok.accounts.models import User
from kruzhok.notifications.services import notify
from kruzhok.providers.models import (
    Provider,
    ProviderModerationEvent,
    ProviderStatus,
    StaffRole,
)
from kruzhok.providers.selectors import operator_can_moderate, provider_admins, staff_role
from kruzhok.providers.services import operators_notify

REMARKS_MAX_LENGTH = 4000


def operator_check(*, operator: User, provider: Provider) -> None:
    """PermissionDenied unless the user moderates the provider's municipality."""
    if not operator_can_moderate(user=operator, provider=provider):
        raise PermissionDenied("Организация другого муниципалитета.")


def admin_check(*, actor: User, provider: Provider) -> None:
    """PermissionDenied unless the user is the provider's administrator."""
    if staff_role(user=actor, provider_id=provider.pk) != StaffRole.ADMIN:
        raise PermissionDenied("Это может только администратор организации.")


def remarks_clean(text: str, *, field: str, required_message: str) -> str:
    """The operator's reason or remarks, stripped; required and at most REMARKS_MAX_LENGTH."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: [required_message]})
    if len(text) > REMARKS_MAX_LENGTH:
        raise ValidationError({field: [f"Напишите короче: не больше {REMARKS_MAX_LENGTH} знаков."]})
    return text


def provider_admins_notify(*, provider: Provider, subject: str, body: str, link: str) -> None:
    """Tell each of the provider's administrators."""
    for admin in provider_admins(provider=provider):
        notify(user=admin, subject=subject, body=body, link=link)


def _locked_provider(provider: Provider) -> Provider:
    return Provider.objects.select_for_update().get(pk=provider.pk)


def _provider_move(
    provider: Provider, *, to: str, actor: User, remarks: str = ""
) -> ProviderModerationEvent:
    event = ProviderModerationEvent.objects.create(
        provider=provider, actor=actor, from_status=provider.status, to_status=to, remarks=remarks
    )
    provider.status = to
    provider.save(update_fields=["status"])
    return event


def _provider_decided_message(provider: Provider) -> str:
    return f"Решение по организации уже принято: {provider.get_status_display().lower()}."


@transaction.atomic
def provider_approve(*, operator: User, provider: Provider) -> Provider:
    """Admit a provider on moderation; its administrators are told.

    Only an operator of the provider's municipality (or a regional administrator) may do it.
    """
    provider = _locked_provider(provider)
    operator_check(operator=operator, provider=provider)
    if provider.status != ProviderStatus.MODERATING:
        raise ValidationError(_provider_decided_message(provider), code="state")
    _provider_move(provider, to=ProviderStatus.APPROVED, actor=operator)
    provider_admins_notify(
        provider=provider,
        subject="Организация допущена к работе на портале",
        body=(
            f"«{provider.short_name}» прошла проверку. Отправьте программы на модерацию: "
            "опубликованные программы появятся в каталоге."
        ),
        link=reverse("provider:home"),
    )
    return provider


@transaction.atomic
def provider_reject(*, operator: User, provider: Provider, reason: str) -> Provider:
    """Refuse a provider on moderation with a reason its administrators read in the cabinet."""
    reason = remarks_clean(
        reason, field="reason", required_message="Напишите причину: её прочитает организация."
    )
    provider = _locked_provider(provider)
    operator_check(operator=operator, provider=provider)
    if provider.status != ProviderStatus.MODERATING:
        raise ValidationError(_provider_decided_message(provider), code="state")
    _provider_move(provider, to=ProviderStatus.REJECTED, actor=operator, remarks=reason)
    provider_admins_notify(
        provider=provider,
        subject="Заявка организации отклонена",
        body=(
            f"Оператор отклонил заявку «{provider.short_name}». Причина: {reason}\n"
            "Исправьте сведения об организации и отправьте заявку ещё раз."
        ),
        link=reverse("provider:home"),
    )
    return provider


@transaction.atomic
def provider_resubmit(*, actor: User, provider: Provider) -> Provider:
    """A rejected provider's administrator sends the corrected application back for checking."""
    provider = _locked_provider(provider)
    admin_check(actor=actor, provider=provider)
    if provider.status != ProviderStatus.REJECTED:
        raise ValidationError(
            f"Заявку можно отправить снова только после отказа, а сейчас организация "
            f"в статусе «{provider.get_status_display()}».",
            code="state",
        )
    _provider_move(provider, to=ProviderStatus.MODERATING, actor=actor)
    operators_notify(
        municipality=provider.municipality,
        subject="Организация снова ждёт проверки",
        body=f"«{provider.short_name}» исправила сведения после отказа.",
        link=reverse("operator:provider_detail", args=[provider.pk]),
    )
    return provider
