"""Provider reads, scoped to the reader: a staff member's providers and role, the staff and
invitations, the moderation history, and the providers an operator moderates.

Every `*_get_for_*` raises Http404 for a provider outside the reader's reach: staff never learn
that another provider exists, an operator never sees another municipality's providers.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.common.search import text_contains
from kruzhok.providers.models import (
    Provider,
    ProviderModerationEvent,
    ProviderStaff,
    ProviderStatus,
    StaffInvitation,
    StaffRole,
)


@dataclass(frozen=True)
class StaffAccess:
    """What a staff member reaches: the provider and their role there."""

    provider: Provider
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN

    def admin_required(self) -> None:
        """PermissionDenied (403) unless the staff member is the provider's administrator."""
        if not self.is_admin:
            raise PermissionDenied("Это может только администратор организации.")


# Staff -----------------------------------------------------------------------------------


def staff_memberships(*, user: User) -> QuerySet[ProviderStaff]:
    """The providers the user works for, with their role in each."""
    return (
        ProviderStaff.objects.filter(user=user)
        .select_related("provider", "provider__municipality")
        .order_by("provider__short_name", "pk")
    )


def staff_role(*, user: User, provider_id: int) -> str | None:
    """The user's staff role at the provider, or None when they do not work there."""
    return (
        ProviderStaff.objects.filter(user=user, provider_id=provider_id)
        .values_list("role", flat=True)
        .first()
    )


def provider_get_for_staff(*, user: User, pk: int) -> StaffAccess:
    membership = staff_memberships(user=user).filter(provider_id=pk).first()
    if membership is None:
        raise Http404("Организация не найдена")
    return StaffAccess(provider=membership.provider, role=membership.role)


def provider_teachers(*, provider: Provider) -> QuerySet[User]:
    """People who may teach a group of the provider: its staff, administrators included."""
    return User.objects.filter(provider_roles__provider=provider, is_active=True).order_by(
        "last_name", "first_name", "pk"
    )


def provider_admins(*, provider: Provider) -> QuerySet[User]:
    return User.objects.filter(
        provider_roles__provider=provider, provider_roles__role=StaffRole.ADMIN, is_active=True
    ).order_by("pk")


def staff_list(*, provider: Provider) -> QuerySet[ProviderStaff]:
    return (
        ProviderStaff.objects.filter(provider=provider)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name", "pk")
    )


def invitation_list_pending(*, provider: Provider) -> QuerySet[StaffInvitation]:
    """Invitations that can still be accepted, newest first."""
    return StaffInvitation.objects.filter(
        provider=provider,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at", "-pk")


# Moderation history -------------------------------------------------------------------------


def provider_history(*, provider: Provider) -> QuerySet[ProviderModerationEvent]:
    """The provider's moderation decisions, newest first, with who made them."""
    return ProviderModerationEvent.objects.filter(provider=provider).select_related("actor")


def provider_last_rejection(*, provider: Provider) -> ProviderModerationEvent | None:
    """The operator's latest refusal, while the provider stands refused."""
    if provider.status != ProviderStatus.REJECTED:
        return None
    return (
        provider_history(provider=provider)
        .filter(to_status=ProviderStatus.REJECTED)
        .order_by("-at", "-pk")
        .first()
    )


# Operators -----------------------------------------------------------------------------------


def _operator_scope(user: User) -> Q:
    """Municipalities the user moderates, as a filter on providers.

    A municipal operator moderates their own municipality; a regional administrator the whole
    region (the portal serves one region). Anyone else, or an operator without a
    municipality, moderates nothing.
    """
    if user.role == Role.REGIONAL_ADMIN:
        return Q()
    if user.role == Role.OPERATOR and user.municipality_id is not None:
        return Q(municipality_id=user.municipality_id)
    return Q(pk__in=[])


def operator_can_moderate(*, user: User, provider: Provider) -> bool:
    return Provider.objects.filter(_operator_scope(user), pk=provider.pk).exists()


def provider_list_for_operator(*, user: User) -> QuerySet[Provider]:
    return Provider.objects.filter(_operator_scope(user)).select_related("municipality")


def provider_get_for_operator(*, user: User, pk: int) -> Provider:
    provider = provider_list_for_operator(user=user).filter(pk=pk).first()
    if provider is None:
        raise Http404("Организация не найдена")
    return provider


# Registers -------------------------------------------------------------------------------------


def staff_user_ids_in_municipalities(
    *, municipality_ids: Sequence[int]
) -> QuerySet[ProviderStaff, int]:
    """The staff of the municipalities' providers, as a subquery of user ids."""
    return ProviderStaff.objects.filter(provider__municipality_id__in=municipality_ids).values_list(
        "user_id", flat=True
    )


def provider_moderation_count(*, municipality_ids: Sequence[int]) -> int:
    """Providers of the municipalities waiting for the operator's decision."""
    return Provider.objects.filter(
        municipality_id__in=municipality_ids, status=ProviderStatus.MODERATING
    ).count()


def provider_register(
    *, municipality_ids: Sequence[int], query: str = "", status: str = ""
) -> QuerySet[Provider]:
    """The municipalities' providers by name; `query` finds a name, ИНН or ОГРН."""
    providers = Provider.objects.filter(municipality_id__in=municipality_ids).select_related(
        "municipality"
    )
    if query.strip():
        digits = query.strip()
        providers = providers.filter(
            text_contains(("short_name", "full_name"), query)
            | Q(inn__startswith=digits)
            | Q(ogrn__startswith=digits)
        )
    if status:
        providers = providers.filter(status=status)
    return providers.order_by("short_name", "pk")
