"""Enrolment: the application's life cycle, the contract offer and its acceptance.

States (DOMAIN.md): submitted → accepted → contracted → active → finished / withdrawn, with the
side exits rejected, cancelled, waitlisted and expired. Each transition is one function here
that checks the current state, records who did it and when (`status_changed_by/at` and an audit
row) and refuses an illegal move with `EnrollmentError` (a Russian message fit for a person).
Automatic transitions (auto-accept, promotion from the waiting line, expiry, the group's start
and end) record no person: `status_changed_by` is empty and the audit actor is the system.

Locking: a transition that may take or free a seat, or touch the waiting line, first locks the
group row and only then application rows. One order everywhere means no deadlock, and one
writer per group at a time makes "the first in line is promoted, exactly once" hold on
PostgreSQL; on SQLite the IMMEDIATE transactions serialise writers anyway. Seats are counted
only by the catalog's conditional updates, whose CHECK constraint is the backstop, so a group
is never overbooked. Money moves only through the certificates app's services.

The submission (the rush's hot path, which locks the child's row before the group's) is in
`submission.py` and re-exported here; the clock's batch jobs (expiry, the group's start and
end) are in `clock.py`; the contract's conclusion (the certificate, its reserve) in
`contracts.py`, a contract's charges in `charges.py`; the steps every transition shares (locks,
status records, seats and the waiting line) in `transitions.py`; withdrawal in `withdrawal.py`,
re-exported here.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.catalog import seats
from kruzhok.common.services import audit_record
from kruzhok.enrollment import notices, selectors
from kruzhok.enrollment.contracts import contract_conclude
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.models import (
    Application,
    ApplicationStatus,
    Contract,
)
from kruzhok.enrollment.offers import Offer, offer_compute
from kruzhok.enrollment.submission import application_submit
from kruzhok.enrollment.transitions import (
    application_lock,
    check_provider_staff,
    group_lock,
    is_guardian,
    provider_role_of,
    seat_free,
    seat_given,
    state_refusal,
    status_set,
    waitlist_promote,
)
from kruzhok.enrollment.withdrawal import contract_withdraw

__all__ = [
    "EnrollmentError",
    "Offer",
    "application_accept",
    "application_activate",
    "application_cancel",
    "application_finish",
    "application_reject",
    "application_submit",
    "contract_accept",
    "contract_withdraw",
    "offer_compute",
    "offer_expire",
    "provider_role_of",
    "waitlist_promote_group",
]


def waitlist_promote_group(*, group_id: int) -> list[Application]:
    """Give the group's free seats (say, the provider added some) to its waiting line, in
    order; returns the promoted applications. Idempotent."""
    with transaction.atomic(durable=True):
        return waitlist_promote(group_lock(group_id))


# The provider's decision (the submission itself is in submission.py) ---------------------------


def application_accept(*, actor: User, application: Application) -> Application:
    """The provider confirms an application: it takes a free seat and the offer opens.

    A submitted application meeting a full group goes to the waiting line instead (the
    returned application says which). A waiting one is taken only in its turn: if seats are
    free, the line moves in order; otherwise it keeps waiting and this is refused.
    """
    with transaction.atomic(durable=True):
        application = application_lock(application)
        check_provider_staff(actor, application)
        if application.status == ApplicationStatus.SUBMITTED:
            if seats.group_seat_take(group_id=application.group_id):
                seat_given(application, actor=actor, action="application_accept")
                notices.accepted(application)
            else:
                status_set(application, ApplicationStatus.WAITLISTED, actor=actor)
                audit_record(actor=actor, action="application_waitlist", obj=application)
                notices.waitlisted(application)
            return application
        if application.status != ApplicationStatus.WAITLISTED:
            raise EnrollmentError(
                f"Заявка уже в состоянии «{application.get_status_display()}»: "
                "принять можно только новую заявку или заявку из листа ожидания."
            )
        # Seats may have appeared (more capacity): they go to the line in order, and that
        # must commit even when this application's turn has not come.
        promoted = waitlist_promote(application.group)
        mine = next((p for p in promoted if p.pk == application.pk), None)
        position = selectors.waitlist_position(application=application) if mine is None else 0
    if mine is not None:
        return mine
    raise EnrollmentError(
        f"Мест в группе нет: заявка №{application.pk} остаётся в листе ожидания "
        f"({position}-я в очереди) и будет принята автоматически, когда место освободится."
    )


def application_reject(*, actor: User, application: Application, reason: str) -> Application:
    """The provider declines an application before the contract, with a reason the parent
    will read; a seat it held goes to the first in line."""
    reason = reason.strip()
    if not reason:
        raise EnrollmentError("Укажите причину отказа: её увидит родитель.", field="reason")
    with transaction.atomic(durable=True):
        application = application_lock(application)
        check_provider_staff(actor, application)
        if application.status not in (
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.ACCEPTED,
            ApplicationStatus.WAITLISTED,
        ):
            raise EnrollmentError(
                f"Заявка уже в состоянии «{application.get_status_display()}»: отклонить её нельзя."
            )
        held_seat = application.status == ApplicationStatus.ACCEPTED
        status_set(application, ApplicationStatus.REJECTED, actor=actor, reason=reason)
        audit_record(actor=actor, action="application_reject", obj=application, reason=reason)
        notices.rejected(application)
        if held_seat:
            seat_free(application.group)
        return application


def application_cancel(*, parent: User, application: Application) -> Application:
    """The parent withdraws an application before the contract; a seat it held goes to the
    first in line, and the provider's administrators are told."""
    with transaction.atomic(durable=True):
        application = application_lock(application)
        if not is_guardian(parent, application.child):
            raise EnrollmentError("Это заявка другой семьи.")
        if application.status == ApplicationStatus.CANCELLED:
            raise EnrollmentError("Заявка уже отозвана.")
        if application.status not in (
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.ACCEPTED,
            ApplicationStatus.WAITLISTED,
        ):
            raise EnrollmentError(
                f"Заявка в состоянии «{application.get_status_display()}» не может быть отозвана."
            )
        held_seat = application.status == ApplicationStatus.ACCEPTED
        status_set(application, ApplicationStatus.CANCELLED, actor=parent)
        audit_record(actor=parent, action="application_cancel", obj=application)
        notices.cancelled_by_parent(application)
        if held_seat:
            seat_free(application.group)
        return application


# The offer: expiry and acceptance -------------------------------------------------------------


def _offer_lapsed(application: Application, now: datetime.datetime) -> bool:
    return (
        application.status == ApplicationStatus.ACCEPTED
        and application.offer_expires_at is not None
        and application.offer_expires_at <= now
    )


def _expire(application: Application) -> None:
    """Expire a locked, lapsed offer: the seat goes to the first in line."""
    status_set(application, ApplicationStatus.EXPIRED, actor=None)
    audit_record(actor=None, action="application_expire", obj=application)
    notices.expired(application)
    seat_free(application.group)


def offer_expire(*, application: Application, now: datetime.datetime | None = None) -> Application:
    """Expire an accepted application whose offer was not accepted in time (settings.
    KRUZHOK_OFFER_VALID_DAYS); its seat goes to the first in line and the parent is told.
    Refused for an offer still valid or an application in another state."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        application = application_lock(application)
        if not _offer_lapsed(application, now):
            raise EnrollmentError(
                "Оферта ещё действует."
                if application.status == ApplicationStatus.ACCEPTED
                else f"Заявка в состоянии «{application.get_status_display()}»: "
                "у неё нет оферты, срок которой мог бы истечь."
            )
        _expire(application)
        return application


def contract_accept(
    *,
    parent: User,
    application: Application,
    ip_address: str | None = None,
    user_agent: str = "",
    today: datetime.date | None = None,
) -> Contract:
    """The parent accepts the offer: the contract is concluded with the figures of this moment.

    In one transaction: the certificate is issued (and funded, if the quota and budget allow)
    when the program is certificate-paid, the certificate part is reserved on it, and the
    application becomes contracted (active if the group has already started). Accepting twice
    is refused; nothing is half-saved. An offer past its deadline is refused and expired on
    the spot (its seat goes to the first in line). `today` is for back-filled data and tests.
    """
    now = timezone.now()
    with transaction.atomic(durable=True):
        application = application_lock(application)
        if not is_guardian(parent, application.child):
            raise EnrollmentError("Это заявка другой семьи.")
        if application.status in (ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE):
            raise EnrollmentError("Оферта уже принята: договор заключён.")
        if application.status == ApplicationStatus.EXPIRED:
            raise _offer_lapsed_error()
        if application.status != ApplicationStatus.ACCEPTED:
            raise state_refusal(application, "принять оферту")
        lapsed = _offer_lapsed(application, now)
        if lapsed:
            # Commit the expiry (the seat must go to the next in line), then refuse.
            _expire(application)
        else:
            today = today or timezone.localdate()
            contract = contract_conclude(
                application=application,
                parent=parent,
                ip_address=ip_address,
                user_agent=user_agent,
                now=now,
                today=today,
            )
            started = contract.start_date <= today
            status_set(
                application,
                ApplicationStatus.ACTIVE if started else ApplicationStatus.CONTRACTED,
                actor=parent,
            )
            audit_record(
                actor=parent,
                action="contract_accept",
                obj=contract,
                ip_address=ip_address,
                total_cost=contract.total_cost,
                certificate_part=contract.certificate_part,
            )
            return contract
    raise _offer_lapsed_error()


def _offer_lapsed_error() -> EnrollmentError:
    return EnrollmentError(
        "Срок действия оферты истёк, и место передано следующему в очереди. "
        "Подайте новую заявку, если места ещё есть."
    )


# The group's start and end --------------------------------------------------------------------


def application_activate(*, application: Application, today: datetime.date) -> Application:
    """A contracted application becomes active once its contract has started (no person
    clicks: the group's start does it). Refused before the start or in another state."""
    with transaction.atomic(durable=True):
        application = application_lock(application)
        contract = getattr(application, "contract", None)
        if application.status != ApplicationStatus.CONTRACTED or contract is None:
            raise state_refusal(application, "начать обучение")
        if contract.start_date > today:
            raise EnrollmentError(
                f"Обучение по договору начнётся {contract.start_date:%d.%m.%Y}, не раньше."
            )
        status_set(application, ApplicationStatus.ACTIVE, actor=None)
        audit_record(actor=None, action="application_activate", obj=application)
        return application


def application_finish(*, application: Application, today: datetime.date) -> Application:
    """An application under contract is finished after the contract's last day; its seat is
    released (the group has ended, so nobody is promoted). The reserve is left to the
    period's end: the journal of the last weeks may still be filled in."""
    with transaction.atomic(durable=True):
        application = application_lock(application)
        contract = getattr(application, "contract", None)
        if (
            application.status not in (ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE)
            or contract is None
        ):
            raise state_refusal(application, "завершить обучение")
        if contract.end_date >= today:
            raise EnrollmentError(
                f"Обучение по договору идёт до {contract.end_date:%d.%m.%Y} включительно."
            )
        status_set(application, ApplicationStatus.FINISHED, actor=None)
        audit_record(actor=None, action="application_finish", obj=application)
        seats.group_seat_release(group_id=application.group_id)
        return application
