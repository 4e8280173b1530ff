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
is never overbooked. Money moves only through the certificates ledger.

The submission (the rush's hot path, which locks the child's row before the group's) is in
`submission.py` and re-exported here; the clock's batch jobs (expiry, the group's start and
end) are in `clock.py`; the contract's money (conclusion, what a withdrawal keeps in reserve)
in `contracts.py`.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.catalog import seats
from kruzhok.catalog.models import Group
from kruzhok.certificates import ledger
from kruzhok.common.services import audit_record
from kruzhok.enrollment import notices, selectors
from kruzhok.enrollment.contracts import contract_conclude, reserve_still_needed
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.models import (
    Application,
    ApplicationStatus,
    Charge,
    Contract,
)
from kruzhok.enrollment.offers import Offer, offer_compute
from kruzhok.enrollment.submission import application_submit
from kruzhok.families.models import Child
from kruzhok.providers.models import StaffRole

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


def _is_guardian(user: User, child: Child) -> bool:
    return child.guardianships.filter(user=user).exists()


def provider_role_of(*, user: User, provider_id: int) -> str | None:
    """The user's staff role at the provider, or None."""
    return (
        user.provider_roles.filter(provider_id=provider_id).values_list("role", flat=True).first()
    )


def _is_provider_staff(user: User, application: Application) -> bool:
    role = provider_role_of(user=user, provider_id=application.group.program.provider_id)
    return role == StaffRole.ADMIN or application.group.teacher_id == user.pk


def _check_provider_staff(user: User, application: Application) -> None:
    if not _is_provider_staff(user, application):
        raise EnrollmentError("Эта заявка подана в другую организацию: решение по ней недоступно.")


def _set_status(
    application: Application,
    status: ApplicationStatus,
    *,
    actor: User | None,
    reason: str = "",
    extra_fields: Iterable[str] = (),
) -> None:
    application.status = status
    application.status_changed_at = timezone.now()
    application.status_changed_by = actor
    if reason:
        application.reason = reason
    application.save(
        update_fields=["status", "status_changed_at", "status_changed_by", "reason", *extra_fields]
    )


def _lock_group(group_id: int) -> Group:
    """Lock the group row: the one door through which seats and the waiting line change."""
    return (
        Group.objects.select_for_update(of=("self",))
        .select_related("program__provider")
        .get(pk=group_id)
    )


def _lock(application: Application) -> Application:
    """Lock the application's group, then the application, and re-read both (group first,
    always: see the module docstring)."""
    group_id = Application.objects.values_list("group_id", flat=True).get(pk=application.pk)
    group = _lock_group(group_id)
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("child", "applicant")
        .get(pk=application.pk)
    )
    locked.group = group
    return locked


def _state_refusal(application: Application, action: str) -> EnrollmentError:
    return EnrollmentError(
        f"Заявка в состоянии «{application.get_status_display()}»: {action} нельзя."
    )


# Seats and the waiting line -------------------------------------------------------------------


def _accept(application: Application, *, actor: User | None, action: str) -> None:
    """Mark an application that has just got its seat accepted, with a fresh offer deadline."""
    application.offer_expires_at = timezone.now() + datetime.timedelta(
        days=settings.KRUZHOK_OFFER_VALID_DAYS
    )
    _set_status(
        application, ApplicationStatus.ACCEPTED, actor=actor, extra_fields=["offer_expires_at"]
    )
    audit_record(actor=actor, action=action, obj=application)


def _waitlist_promote(group: Group) -> list[Application]:
    """Give each free seat of the group to the first in line. The caller holds the group lock,
    so no other transaction can promote the same application or take the same seat."""
    promoted: list[Application] = []
    if group.end_date < timezone.localdate():
        return promoted
    while True:
        candidate = (
            selectors.waitlist(group=group)
            .select_for_update(of=("self",))
            .select_related("child", "applicant")
            .first()
        )
        if candidate is None or not seats.group_seat_take(group_id=group.pk):
            return promoted
        candidate.group = group
        _accept(candidate, actor=None, action="application_promote")
        notices.accepted(candidate, promoted=True)
        promoted.append(candidate)


def _seat_free(group: Group) -> list[Application]:
    """Release a seat of a locked group and hand it to the waiting line at once."""
    seats.group_seat_release(group_id=group.pk)
    return _waitlist_promote(group)


def waitlist_promote_group(*, group_id: int) -> list[Application]:
    """Give the group's free seats (say, the provider added some) to its waiting line, in
    order; returns the promoted applications. Idempotent."""
    with transaction.atomic(durable=True):
        return _waitlist_promote(_lock_group(group_id))


# The provider's decision (the submission itself is in submission.py) ---------------------------


def application_accept(*, actor: User, application: Application) -> Application:
    """The provider confirms an application: it takes a free seat and the offer opens.

    A submitted application meeting a full group goes to the waiting line instead (the
    returned application says which). A waiting one is taken only in its turn: if seats are
    free, the line moves in order; otherwise it keeps waiting and this is refused.
    """
    with transaction.atomic(durable=True):
        application = _lock(application)
        _check_provider_staff(actor, application)
        if application.status == ApplicationStatus.SUBMITTED:
            if seats.group_seat_take(group_id=application.group_id):
                _accept(application, actor=actor, action="application_accept")
                notices.accepted(application)
            else:
                _set_status(application, ApplicationStatus.WAITLISTED, actor=actor)
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
        promoted = _waitlist_promote(application.group)
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
        application = _lock(application)
        _check_provider_staff(actor, application)
        if application.status not in (
            ApplicationStatus.SUBMITTED,
            ApplicationStatus.ACCEPTED,
            ApplicationStatus.WAITLISTED,
        ):
            raise EnrollmentError(
                f"Заявка уже в состоянии «{application.get_status_display()}»: отклонить её нельзя."
            )
        held_seat = application.status == ApplicationStatus.ACCEPTED
        _set_status(application, ApplicationStatus.REJECTED, actor=actor, reason=reason)
        audit_record(actor=actor, action="application_reject", obj=application, reason=reason)
        notices.rejected(application)
        if held_seat:
            _seat_free(application.group)
        return application


def application_cancel(*, parent: User, application: Application) -> Application:
    """The parent withdraws an application before the contract; a seat it held goes to the
    first in line, and the provider's administrators are told."""
    with transaction.atomic(durable=True):
        application = _lock(application)
        if not _is_guardian(parent, application.child):
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
        _set_status(application, ApplicationStatus.CANCELLED, actor=parent)
        audit_record(actor=parent, action="application_cancel", obj=application)
        notices.cancelled_by_parent(application)
        if held_seat:
            _seat_free(application.group)
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
    _set_status(application, ApplicationStatus.EXPIRED, actor=None)
    audit_record(actor=None, action="application_expire", obj=application)
    notices.expired(application)
    _seat_free(application.group)


def offer_expire(*, application: Application, now: datetime.datetime | None = None) -> Application:
    """Expire an accepted application whose offer was not accepted in time (settings.
    KRUZHOK_OFFER_VALID_DAYS); its seat goes to the first in line and the parent is told.
    Refused for an offer still valid or an application in another state."""
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        application = _lock(application)
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
        application = _lock(application)
        if not _is_guardian(parent, application.child):
            raise EnrollmentError("Это заявка другой семьи.")
        if application.status in (ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE):
            raise EnrollmentError("Оферта уже принята: договор заключён.")
        if application.status == ApplicationStatus.EXPIRED:
            raise _offer_lapsed_error()
        if application.status != ApplicationStatus.ACCEPTED:
            raise _state_refusal(application, "принять оферту")
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
            _set_status(
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
        application = _lock(application)
        contract = getattr(application, "contract", None)
        if application.status != ApplicationStatus.CONTRACTED or contract is None:
            raise _state_refusal(application, "начать обучение")
        if contract.start_date > today:
            raise EnrollmentError(
                f"Обучение по договору начнётся {contract.start_date:%d.%m.%Y}, не раньше."
            )
        _set_status(application, ApplicationStatus.ACTIVE, actor=None)
        audit_record(actor=None, action="application_activate", obj=application)
        return application


def application_finish(*, application: Application, today: datetime.date) -> Application:
    """An application under contract is finished after the contract's last day; its seat is
    released (the group has ended, so nobody is promoted). The reserve is left to the
    period's end: the journal of the last weeks may still be filled in."""
    with transaction.atomic(durable=True):
        application = _lock(application)
        contract = getattr(application, "contract", None)
        if (
            application.status not in (ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE)
            or contract is None
        ):
            raise _state_refusal(application, "завершить обучение")
        if contract.end_date >= today:
            raise EnrollmentError(
                f"Обучение по договору идёт до {contract.end_date:%d.%m.%Y} включительно."
            )
        _set_status(application, ApplicationStatus.FINISHED, actor=None)
        audit_record(actor=None, action="application_finish", obj=application)
        seats.group_seat_release(group_id=application.group_id)
        return application


# Withdrawal -----------------------------------------------------------------------------------


def contract_withdraw(
    *,
    actor: User,
    application: Application,
    on: datetime.date,
    reason: str,
    today: datetime.date | None = None,
) -> Contract:
    """Withdraw a child from the group from the date `on` (отчисление), by the parent or the
    provider, with a reason.

    In one durable transaction: the contract is terminated from `on` (no lesson on or after it
    can be marked, so none is charged), the rest of the certificate's reserve is released at
    once — all of it but what lessons before `on` not yet charged may still cost — the seat
    goes to the first in line, and the other side is told. Refused for a date on which a
    charged lesson lies after, a date after the contract's end, a parent's date in the past,
    or a child already withdrawn. `today` is for tests.
    """
    reason = reason.strip()
    if not reason:
        raise EnrollmentError("Укажите причину отчисления.", field="reason")
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        application = _lock(application)
        by_parent = _is_guardian(actor, application.child)
        if not by_parent:
            _check_provider_staff(actor, application)
        contract = (
            Contract.objects.select_for_update(of=("self",))
            .select_related("hold")
            .filter(application=application)
            .first()
        )
        if application.status == ApplicationStatus.WITHDRAWN:
            since = (
                f" с {contract.terminated_on:%d.%m.%Y}"
                if contract and contract.terminated_on
                else ""
            )
            raise EnrollmentError(
                f"{application.child.first_name} уже отчислен(а) из группы{since}."
            )
        if (
            application.status not in (ApplicationStatus.CONTRACTED, ApplicationStatus.ACTIVE)
            or contract is None
        ):
            raise EnrollmentError(
                f"Отчислить можно только по заключённому договору, а заявка в состоянии "
                f"«{application.get_status_display()}»."
                + (" Отзовите её, пока договор не заключён." if by_parent else "")
            )
        contract.application = application
        if on > contract.end_date:
            raise EnrollmentError(
                f"Обучение по договору заканчивается {contract.end_date:%d.%m.%Y}: дата "
                "отчисления не может быть позже.",
                field="on",
            )
        if by_parent and on < today:
            raise EnrollmentError(
                "Дата отчисления не может быть раньше сегодняшнего дня.", field="on"
            )
        charged_after = (
            Charge.objects.filter(contract=contract, reversed_at=None, lesson__date__gte=on)
            .order_by("-lesson__date")
            .values_list("lesson__date", flat=True)
            .first()
        )
        if charged_after is not None:
            raise EnrollmentError(
                f"Занятие {charged_after:%d.%m.%Y} уже отмечено как посещённое и оплачено: "
                f"отчислить можно с {charged_after + datetime.timedelta(days=1):%d.%m.%Y} "
                "или позже.",
                field="on",
            )
        contract.terminated_on = on
        contract.save(update_fields=["terminated_on"])
        released = 0
        if contract.hold is not None:
            contract.hold.refresh_from_db()
            released = contract.hold.remaining - min(
                contract.hold.remaining, reserve_still_needed(contract=contract, on=on)
            )
            if released > 0:
                ledger.hold_void(
                    hold=contract.hold, key=f"void:contract:{contract.pk}", amount=released
                )
        _set_status(application, ApplicationStatus.WITHDRAWN, actor=actor, reason=reason)
        audit_record(
            actor=actor,
            action="contract_withdraw",
            obj=contract,
            on=on,
            reason=reason,
            by="parent" if by_parent else "provider",
            released=released,
        )
        on_text = f"{on:%d.%m.%Y}"
        if by_parent:
            notices.withdrawn_by_parent(application, on_text=on_text)
        else:
            notices.withdrawn_by_provider(application, on_text=on_text)
        _seat_free(application.group)
        return contract
