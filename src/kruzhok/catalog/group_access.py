"""Who works with a group today: the one rule behind the journal, its export, the application
queue, the contracts export, a contract's PDF, marking and lesson changes.

Access follows current membership, never the `Group.teacher` pointer alone: an administrator of
the group's provider, or the group's teacher while they are still on that provider's staff. A
teacher whose membership was deleted, or who now works for another provider, keeps the pointer
(history, documents) but loses the group at once.
"""

from django.db.models import Q

from kruzhok.accounts.models import User
from kruzhok.catalog.models import Group
from kruzhok.providers.models import ProviderStaff, StaffRole


def group_staff_scope(*, user: User, path: str = "") -> Q:
    """The groups the user works with today, as a filter on a queryset of groups or of rows
    reaching a group through `path` (e.g. "application__group__" for contracts)."""
    memberships = ProviderStaff.objects.filter(user_id=user.pk)
    administered = memberships.filter(role=StaffRole.ADMIN).values("provider_id")
    employed_by = memberships.values("provider_id")
    return Q(**{f"{path}program__provider_id__in": administered}) | Q(
        **{f"{path}teacher_id": user.pk, f"{path}program__provider_id__in": employed_by}
    )


def group_staff_role(*, user: User, group: Group) -> str | None:
    """`StaffRole.ADMIN` for an administrator of the group's provider, `StaffRole.TEACHER` for
    its teacher still on that provider's staff, None for anyone else."""
    role = (
        ProviderStaff.objects.filter(user_id=user.pk, provider_id=group.program.provider_id)
        .values_list("role", flat=True)
        .first()
    )
    if role == StaffRole.ADMIN:
        return StaffRole.ADMIN
    if role is not None and group.teacher_id == user.pk:
        return StaffRole.TEACHER
    return None


def group_staff_can_work(*, user: User, group: Group) -> bool:
    """Whether the user may keep the group's journal and decide on its applications today."""
    return group_staff_role(user=user, group=group) is not None


def is_provider_admin(*, user: User) -> bool:
    """Whether the user administers any provider today."""
    return ProviderStaff.objects.filter(user_id=user.pk, role=StaffRole.ADMIN).exists()
