"""What the clock does to applications on its own, run by `kruzhok enrollment_tick`.

Each job finds its candidates, then runs the state machine's transition for each one in its
own transaction; the transition re-checks the state under its locks, so a job is idempotent
and safe to run as often as wanted, even twice at once.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from kruzhok.catalog.models import Group
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.enrollment.services import (
    application_activate,
    application_finish,
    offer_expire,
    waitlist_promote_group,
)


def _each(ids: Iterable[int], transition: Callable[[Application], object]) -> int:
    """Run a transition per application, each in its own transaction; one refused (say, its
    state changed meanwhile) is skipped and the rest go on. Returns how many went through."""
    done = 0
    for pk in ids:
        try:
            transition(Application(pk=pk))
        except EnrollmentError:
            continue
        done += 1
    return done


def offers_expire(*, now: datetime.datetime | None = None) -> int:
    """Expire every offer past its deadline; idempotent. Returns how many expired."""
    now = now or timezone.now()
    ids = list(
        Application.objects.filter(
            status=ApplicationStatus.ACCEPTED, offer_expires_at__lte=now
        ).values_list("pk", flat=True)
    )
    return _each(ids, lambda a: offer_expire(application=a, now=now))


def applications_activate_started(*, today: datetime.date) -> int:
    """Contracted applications whose contract has started become active; idempotent.
    Returns how many changed."""
    ids = list(
        Application.objects.filter(
            status=ApplicationStatus.CONTRACTED, contract__start_date__lte=today
        ).values_list("pk", flat=True)
    )
    return _each(ids, lambda a: application_activate(application=a, today=today))


def applications_finish_ended(*, today: datetime.date) -> int:
    """Applications whose contract ended before today are finished; idempotent."""
    ids = list(
        Application.objects.filter(
            status__in=(ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE),
            contract__end_date__lt=today,
        ).values_list("pk", flat=True)
    )
    return _each(ids, lambda a: application_finish(application=a, today=today))


def waitlists_promote(*, today: datetime.date | None = None) -> int:
    """Move every waiting line that has free seats in front of it (say, the provider added
    seats); idempotent. Returns how many applications were promoted."""
    today = today or timezone.localdate()
    group_ids = list(
        Group.objects.filter(
            seats_taken__lt=F("capacity"),
            end_date__gte=today,
            applications__status=ApplicationStatus.WAITLISTED,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    return sum(len(waitlist_promote_group(group_id=group_id)) for group_id in group_ids)


@dataclass(frozen=True)
class TickReport:
    expired: int
    activated: int
    finished: int
    promoted: int


def enrollment_tick(*, now: datetime.datetime | None = None) -> TickReport:
    """What the clock does on its own: expire lapsed offers, start contracts whose group has
    started, finish those that ended, and move waiting lines with free seats. Safe to run
    as often as wanted (every transition checks its state under a lock)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return TickReport(
        expired=offers_expire(now=now),
        activated=applications_activate_started(today=today),
        finished=applications_finish_ended(today=today),
        promoted=waitlists_promote(today=today),
    )
