"""A family's personal data under 152-ФЗ: the request to delete it, and anonymising it once
the legal term of its financial records is over (the operator's side runs
`kruzhok families_anonymise_due` daily)."""

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.common.services import audit_record
from kruzhok.common.validators import snils_check_digits
from kruzhok.families.models import (
    CalendarFeed,
    Child,
    ChildCorrection,
    DataDeletionRequest,
    GuardianInvitation,
    Guardianship,
)
from kruzhok.notifications.models import Letter, Notification

# 402-ФЗ «О бухгалтерском учёте», ст. 29: accounting documents are kept at least five years
# after the reporting (calendar) year in which they were last used.
FINANCIAL_RECORDS_YEARS = 5

ANONYMISED_NAME = "Обезличен"


def financial_records_kept_until(last_record: datetime.date) -> datetime.date:
    """The last day of the legal term of records last used on `last_record`."""
    return datetime.date(last_record.year + FINANCIAL_RECORDS_YEARS, 12, 31)


@transaction.atomic
def family_deletion_request(
    *,
    parent: User,
    last_financial_record: datetime.date | None,
    today: datetime.date | None = None,
) -> DataDeletionRequest:
    """Record the parent's request to delete the family's personal data.

    `last_financial_record` is the latest date of the family's financial records (contracts,
    certificate operations), which the caller reads from the apps that keep them; None when
    there are none. Guarantees: one open request per person (asking again returns it); it is
    due the day after the records' legal term ends, or today without records.
    """
    today = today or timezone.localdate()
    existing = DataDeletionRequest.objects.filter(user=parent, anonymised_at=None).first()
    if existing is not None:
        return existing
    due = today
    if last_financial_record is not None:
        due = max(today, financial_records_kept_until(last_financial_record) + _ONE_DAY)
    request = DataDeletionRequest.objects.create(user=parent, anonymise_after=due)
    audit_record(actor=parent, action="family_deletion_request", obj=request)
    return request


_ONE_DAY = datetime.timedelta(days=1)


@transaction.atomic
def family_anonymise(*, request: DataDeletionRequest, today: datetime.date | None = None) -> None:
    """Anonymise the personal data of the request's family once it is due.

    Guarantees: the parent can no longer log in, and their name, e-mail and phone are gone;
    each child of whom every guardian has asked loses name, СНИЛС (replaced by 11 digits with
    a wrong check number, so it never equals a real one) and birth day (the year stays for the
    age counts of reports), and its correction requests are deleted; the parent's
    notifications, queued letters, calendar address, invitations sent and log-in records are
    deleted. Contracts, certificates and money rows are untouched and keep
    pointing at the anonymised rows. Refuses a request that is not due yet; a done request
    is left alone.
    """
    today = today or timezone.localdate()
    request = DataDeletionRequest.objects.select_for_update().get(pk=request.pk)
    if request.anonymised_at is not None:
        return
    if request.anonymise_after > today:
        raise ValueError(f"deletion request {request.pk} is due on {request.anonymise_after}")
    user = User.objects.select_for_update().get(pk=request.user_id)
    email = user.email
    for child in Child.objects.filter(guardianships__user=user).select_for_update():
        others = Guardianship.objects.filter(child=child).exclude(user=user)
        if others.exclude(user__deletion_requests__isnull=False).exists():
            continue  # another guardian keeps the child in their cabinet
        _child_anonymise(child)
    Notification.objects.filter(user=user).delete()
    CalendarFeed.objects.filter(user=user).delete()  # the children's whereabouts
    GuardianInvitation.objects.filter(inviter=user).delete()  # other people's addresses
    queued = Letter.objects.filter(sent_at=None).only("recipients")
    Letter.objects.filter(pk__in=[x.pk for x in queued if email in x.recipients]).delete()
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=email).delete()
    user.email = f"deleted-{user.pk}@anonymised.invalid"
    user.last_name, user.first_name, user.patronymic = ANONYMISED_NAME, f"№ {user.pk}", ""
    user.phone = ""
    user.is_active = False
    user.email_confirmed_at = None
    user.set_unusable_password()
    user.save()
    request.anonymised_at = timezone.now()
    request.save(update_fields=["anonymised_at"])
    audit_record(actor=None, action="family_anonymise", obj=request)


def _child_anonymise(child: Child) -> None:
    # A correction's request holds the child's old and new СНИЛС or birth date and the
    # parent's words; the audit log keeps that one was made, without the values.
    ChildCorrection.objects.filter(child=child).delete()
    body = f"{child.pk:09d}"
    wrong_check = (int(snils_check_digits(body)) + 1) % 100
    child.snils = f"{body}{wrong_check:02d}"
    child.last_name, child.first_name, child.patronymic = ANONYMISED_NAME, f"№ {child.pk}", ""
    child.birth_date = child.birth_date.replace(month=1, day=1)
    child.save(update_fields=["snils", "last_name", "first_name", "patronymic", "birth_date"])


def family_anonymise_due(*, today: datetime.date | None = None) -> int:
    """Anonymise every request that is due; returns how many were done."""
    today = today or timezone.localdate()
    due = DataDeletionRequest.objects.filter(anonymised_at=None, anonymise_after__lte=today)
    done = 0
    for request in due.order_by("pk"):
        family_anonymise(request=request, today=today)
        done += 1
    return done
