"""Withdrawal (отчисление): the contract ends from a date, the rest of the certificate's reserve
is released at once, the seat goes to the first in line."""

import datetime
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.certificates import services as certificate_services
from kruzhok.certificates.errors import LedgerError
from kruzhok.common.services import audit_record
from kruzhok.enrollment import notices
from kruzhok.enrollment.charges import reserve_still_needed
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.models import Application, ApplicationStatus, Charge, Contract
from kruzhok.enrollment.transitions import (
    application_lock,
    check_provider_staff,
    is_guardian,
    seat_free,
    status_set,
)

# Says why a withdrawal date lies in a month already closed for billing, or "" if it does not.
# Billing sits above enrolment and registers itself here (billing.apps), so the closed months
# are respected without enrolment importing upward.
ClosedMonthCheck = Callable[[Contract, datetime.date], str]
_closed_month_checks: list[ClosedMonthCheck] = []


def withdrawal_closed_month_connect(check: ClosedMonthCheck) -> None:
    """Register the check a withdrawal date must pass: the payer's month is not closed."""
    if check not in _closed_month_checks:
        _closed_month_checks.append(check)


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
    charged lesson lies after, a date before the contract's start or after its end, a date in
    a month already closed for billing, a parent's date in the past, or a child already
    withdrawn. `today` is for tests.
    """
    reason = reason.strip()
    if not reason:
        raise EnrollmentError("Укажите причину отчисления.", field="reason")
    today = today or timezone.localdate()
    with transaction.atomic(durable=True):
        application = application_lock(application)
        by_parent = is_guardian(actor, application.child)
        if not by_parent:
            check_provider_staff(actor, application)
        contract = (
            Contract.objects.select_for_update(of=("self",))
            .select_related("hold")
            .filter(application=application)
            .first()
        )
        contract = _withdrawable(application, contract, by_parent=by_parent)
        _check_withdrawal_date(contract, on=on, today=today, by_parent=by_parent)
        contract.terminated_on = on
        contract.save(update_fields=["terminated_on"])
        released = _reserve_release(contract, on=on)
        status_set(application, ApplicationStatus.WITHDRAWN, actor=actor, reason=reason)
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
        seat_free(application.group)
        return contract


def _withdrawable(
    application: Application, contract: Contract | None, *, by_parent: bool
) -> Contract:
    """The locked application's contract, if its child can be withdrawn; else why not."""
    if application.status == ApplicationStatus.WITHDRAWN:
        since = (
            f" с {contract.terminated_on:%d.%m.%Y}" if contract and contract.terminated_on else ""
        )
        raise EnrollmentError(f"{application.child.first_name} уже отчислен(а) из группы{since}.")
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
    return contract


def _check_withdrawal_date(
    contract: Contract, *, on: datetime.date, today: datetime.date, by_parent: bool
) -> None:
    if on > contract.end_date:
        raise EnrollmentError(
            f"Обучение по договору заканчивается {contract.end_date:%d.%m.%Y}: дата "
            "отчисления не может быть позже.",
            field="on",
        )
    if by_parent and on < today:
        raise EnrollmentError("Дата отчисления не может быть раньше сегодняшнего дня.", field="on")
    if on < contract.start_date:
        raise EnrollmentError(
            f"Обучение по договору начинается {contract.start_date:%d.%m.%Y}: дата "
            "отчисления не может быть раньше.",
            field="on",
        )
    for check in _closed_month_checks:
        message = check(contract, on)
        if message:
            raise EnrollmentError(message, field="on")
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


def _reserve_release(contract: Contract, *, on: datetime.date) -> int:
    """Release the contract's reserve but what lessons before `on` may still cost; kopecks."""
    if contract.hold is None:
        return 0
    contract.hold.refresh_from_db()
    released = contract.hold.remaining - min(
        contract.hold.remaining, reserve_still_needed(contract=contract, on=on)
    )
    if released > 0:
        try:
            certificate_services.contract_release(
                hold=contract.hold, contract_id=contract.pk, amount=released
            )
        except LedgerError as refusal:
            # The hold was read under the contract's lock, but a period close releases
            # reserves under the hold's own lock: it may have come first.
            raise EnrollmentError(
                "Резерв сертификата по договору только что изменился (закрыт период "
                f"финансирования): {refusal} Обновите страницу и повторите отчисление."
            ) from refusal
    return released
