import datetime
from collections.abc import Sequence

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from kruzhok.accounts.models import STAFF_CONSENT_VERSION, PersonalDataConsent, Role, User
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


def consent_missing(*, user: User) -> bool:
    """Whether a member of staff (provider, operator, regional administrator) has not yet
    agreed to the current staff consent text; parents agree when they register, and the
    superuser works in /admin/ only."""
    if user.role == Role.PARENT or user.is_superuser:
        return False
    return not PersonalDataConsent.objects.filter(user=user, version=STAFF_CONSENT_VERSION).exists()
