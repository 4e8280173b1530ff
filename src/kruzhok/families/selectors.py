from collections.abc import Sequence

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.common.search import text_contains
from kruzhok.families.models import Child, ChildCorrection, CorrectionStatus, GuardianInvitation


def child_list_for_guardian(*, user: User) -> QuerySet[Child]:
    """The children the user is a guardian of, and only those."""
    return Child.objects.filter(guardianships__user=user)


def child_get_for_guardian(*, user: User, pk: int) -> Child:
    """The user's child, or Http404: another family's child does not exist for them (not 403)."""
    return get_object_or_404(child_list_for_guardian(user=user), pk=pk)


def snils_is_registered(*, snils: str) -> bool:
    """Whether any child has this СНИЛС (11 digits); says nothing about whose it is."""
    return Child.objects.filter(snils=snils).exists()


def snils_is_taken_by_another(*, snils: str, child_id: int) -> bool:
    """Whether a child other than this one has this СНИЛС."""
    return Child.objects.filter(snils=snils).exclude(pk=child_id).exists()


def child_register(
    *,
    municipality_ids: Sequence[int],
    query: str = "",
    birth_year: int | None = None,
    snils: str = "",
) -> QuerySet[Child]:
    """The municipalities' children by name; `query` finds a surname, name or patronymic,
    `snils` (11 digits, from a POST: never from a URL) the one child it belongs to."""
    children = Child.objects.filter(municipality_id__in=municipality_ids).select_related(
        "municipality"
    )
    if snils:
        children = children.filter(snils=snils)
    if query.strip():
        children = children.filter(text_contains(("last_name", "first_name", "patronymic"), query))
    if birth_year is not None:
        children = children.filter(birth_date__year=birth_year)
    return children.order_by("last_name", "first_name", "patronymic", "pk")


def guardian_invitations_pending(*, inviter: User) -> list[GuardianInvitation]:
    """The inviter's invitations that can still be accepted, newest first."""
    return list(
        GuardianInvitation.objects.filter(
            inviter=inviter,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).prefetch_related("children")
    )


def guardian_invitation_get_for_inviter(*, inviter: User, pk: int) -> GuardianInvitation:
    """The inviter's own invitation; another's does not exist for them (Http404)."""
    return get_object_or_404(GuardianInvitation, pk=pk, inviter=inviter)


def family_guardians(*, user: User) -> list[tuple[Child, list[User]]]:
    """Each of the user's children with all its guardians (the user among them)."""
    children = child_list_for_guardian(user=user).prefetch_related("guardianships__user")
    return [
        (
            child,
            [g.user for g in sorted(child.guardianships.all(), key=lambda g: (g.created_at, g.pk))],
        )
        for child in children.order_by("birth_date", "pk")
    ]


# Corrections of a child's data ------------------------------------------------------------------


def correction_list_for_oversight(
    *, municipality_ids: list[int], status: str = CorrectionStatus.PENDING
) -> QuerySet[ChildCorrection]:
    """Requests about the municipalities' children, oldest waiting first."""
    corrections = ChildCorrection.objects.filter(child__municipality_id__in=municipality_ids)
    if status:
        corrections = corrections.filter(status=status)
    return corrections.select_related("child", "requested_by", "decided_by").order_by(
        "requested_at", "pk"
    )


def correction_get_for_oversight(*, municipality_ids: list[int], pk: int) -> ChildCorrection:
    """A request about one of the municipalities' children; any other is not found (404)."""
    return get_object_or_404(
        correction_list_for_oversight(municipality_ids=municipality_ids, status=""), pk=pk
    )


def correction_list_for_child(*, child: Child) -> QuerySet[ChildCorrection]:
    return child.corrections.order_by("-requested_at", "-pk")
