import datetime
from collections.abc import Sequence

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.accounts.validators import normalize_email


def user_email_is_taken(*, email: str) -> bool:
    return User.objects.filter(email__iexact=normalize_email(email)).exists()


def login_failures_from(*, ip: str) -> int:
    """Wrong passwords from one client address over all e-mails within django-axes' cool-off."""
    cooloff = settings.AXES_COOLOFF_TIME
    assert isinstance(cooloff, datetime.timedelta)
    since = timezone.now() - cooloff
    total = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return int(total or 0)


def user_ids_in_municipalities(*, municipality_ids: Sequence[int]) -> QuerySet[User, int]:
    """The people registered in the municipalities (parents and municipal staff), as a
    subquery of ids."""
    return User.objects.filter(municipality_id__in=municipality_ids).values_list("pk", flat=True)
