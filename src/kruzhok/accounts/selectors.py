from collections.abc import Sequence

from django.db.models import QuerySet

from kruzhok.accounts.models import User
from kruzhok.accounts.validators import normalize_email


def user_email_is_taken(*, email: str) -> bool:
    return User.objects.filter(email__iexact=normalize_email(email)).exists()


def user_ids_in_municipalities(*, municipality_ids: Sequence[int]) -> QuerySet[User, int]:
    """The people registered in the municipalities (parents and municipal staff), as a
    subquery of ids."""
    return User.objects.filter(municipality_id__in=municipality_ids).values_list("pk", flat=True)
