from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from kruzhok.accounts.models import User
from kruzhok.families.models import Child


def child_list_for_guardian(*, user: User) -> QuerySet[Child]:
    """The children the user is a guardian of, and only those."""
    return Child.objects.filter(guardianships__user=user)


def child_get_for_guardian(*, user: User, pk: int) -> Child:
    """The user's child, or Http404: another family's child does not exist for them (not 403)."""
    return get_object_or_404(child_list_for_guardian(user=user), pk=pk)


def snils_is_registered(*, snils: str) -> bool:
    """Whether any child has this СНИЛС (11 digits); says nothing about whose it is."""
    return Child.objects.filter(snils=snils).exists()
