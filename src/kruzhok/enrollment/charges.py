"""Charges for attended lessons under a contract (regime per_lesson).

The certificate's share is computed cumulatively so that, lesson after lesson, the amounts
charged to the certificate never drift from the contract's split:

    certificate charged so far = floor(attended value so far × certificate part ÷ total cost)

and when every lesson has been attended the totals equal the contract's parts to the kopeck.
The formula lives once, in `certificates.services.certificate_share`; the money moves through
the certificates app's services.
"""

import calendar
import copy
import datetime

from django.db.models import Sum
from django.utils import timezone

from kruzhok.catalog.models import Lesson, LessonStatus
from kruzhok.certificates import services as certificate_services
from kruzhok.certificates.models import BillingRegime
from kruzhok.enrollment.models import Charge, Contract


def _charged(contract: Contract) -> tuple[int, int]:
    """(value, certificate's share) of the contract's active charges so far."""
    totals = Charge.objects.filter(contract=contract, reversed_at=None).aggregate(
        value=Sum("lesson_value"), certificate=Sum("certificate_amount")
    )
    return totals["value"] or 0, totals["certificate"] or 0


def lesson_certificate_share(
    *, value_before: int, charged_before: int, lesson_value: int, contract: Contract
) -> int:
    """The certificate's part of one more lesson, by cumulative rounding down."""
    target = certificate_services.certificate_share(
        value=value_before + lesson_value,
        certificate_part=contract.certificate_part,
        total_cost=contract.total_cost,
    )
    return max(0, min(lesson_value, target - charged_before))


def lesson_charge(
    *, contract: Contract, lesson: Lesson, billed_month: datetime.date | None = None
) -> Charge:
    """Charge one attended lesson under a contract, once, on the invoice of `billed_month`
    (the lesson's month unless the caller says the month is closed: then a correction in the
    next open month).

    Call inside the caller's durable transaction with the contract row locked: a second call
    for the same lesson returns the active charge; the ledger key makes a retried transfer move
    money once. Raises `HoldExceeded` when the contract's reserve is gone (its financing period
    was closed).
    """
    active = Charge.objects.filter(contract=contract, lesson=lesson, reversed_at=None).first()
    if active is not None:
        return active
    lesson_value = contract.price_per_hour * lesson.hours
    value_before, charged_before = _charged(contract)
    share = lesson_certificate_share(
        value_before=value_before,
        charged_before=charged_before,
        lesson_value=lesson_value,
        contract=contract,
    )
    transfer = None
    if share > 0 and contract.hold is not None:
        transfer = certificate_services.lesson_charge_post(
            hold=contract.hold,
            lesson_id=lesson.pk,
            lesson_date=lesson.date,
            child_id=contract.application.child_id,
            attempt=Charge.objects.filter(contract=contract, lesson=lesson).count(),
            amount=share,
        )
    elif contract.hold is None:
        share = 0
    return Charge.objects.create(
        contract=contract,
        lesson=lesson,
        for_month=lesson.date.replace(day=1),
        billed_month=(billed_month or lesson.date).replace(day=1),
        lesson_value=lesson_value,
        certificate_amount=share,
        parent_amount=lesson_value - share,
        transfer=transfer,
    )


def lesson_charge_reverse(
    *, contract: Contract, lesson: Lesson, correction_month: datetime.date | None = None
) -> Charge | None:
    """Undo the active charge of a lesson (attendance un-marked); None if there is none.

    The certificate's share goes back into the contract's reserve by a reversing transfer. A
    charge already billed on a closed month's invoice stays there; the caller names the open
    month (`correction_month`) whose invoice bills the reversal back as a correction.
    """
    charge = Charge.objects.filter(contract=contract, lesson=lesson, reversed_at=None).first()
    if charge is None:
        return None
    if charge.transfer is not None:
        charge.reversal = certificate_services.lesson_charge_reverse(
            transfer=charge.transfer, lesson_date=lesson.date
        )
    charge.reversed_at = timezone.now()
    charge.reversal_billed_month = correction_month.replace(day=1) if correction_month else None
    charge.save(update_fields=["reversal", "reversed_at", "reversal_billed_month"])
    return charge


def reserve_still_needed(*, contract: Contract, on: datetime.date) -> int:
    """The most the certificate may still be charged under the contract: the certificate's
    share (cumulative rounding, as a charge computes it) of what before `on` is not charged
    yet — lessons a teacher may still fill in the journal for, or, paid monthly, the months
    before `on` the month close has not charged yet (the last one prorated to `on`)."""
    if contract.total_cost == 0 or contract.certificate_part == 0:
        return 0
    if contract.billing_regime == BillingRegime.MONTHLY:
        value = _months_not_charged_value(contract, on)
    else:
        value = _lessons_not_charged_value(contract, on)
    if value == 0:
        return 0
    charged_value, charged = _charged(contract)
    target = certificate_services.certificate_share(
        value=charged_value + value,
        certificate_part=contract.certificate_part,
        total_cost=contract.total_cost,
    )
    return max(0, target - charged)


def active_charge(*, contract: Contract, lesson: Lesson) -> Charge | None:
    """The lesson's charge under the contract that is not reversed, if any."""
    return Charge.objects.filter(contract=contract, lesson=lesson, reversed_at=None).first()


def _lessons_not_charged_value(contract: Contract, on: datetime.date) -> int:
    charged_lessons = Charge.objects.filter(contract=contract, reversed_at=None).values("lesson_id")
    hours = (
        contract.application.group.lessons.filter(
            date__gte=contract.start_date, date__lt=on, status=LessonStatus.PLANNED
        )
        .exclude(pk__in=charged_lessons)
        .aggregate(hours=Sum("hours"))["hours"]
        or 0
    )
    return int(hours * contract.price_per_hour)


def _months_not_charged_value(contract: Contract, on: datetime.date) -> int:
    charged_months = set(
        Charge.objects.filter(contract=contract, reversed_at=None, month__isnull=False).values_list(
            "month", flat=True
        )
    )
    ending = copy.copy(contract)
    ending.terminated_on = on
    value = 0
    month = contract.start_date.replace(day=1)
    while month < on:
        if month not in charged_months:
            value += month_value(contract=ending, month=month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    charged_value, _ = _charged(contract)
    return min(value, max(0, contract.total_cost - charged_value))


# Regime `monthly`: each month of the contract is charged whatever the attendance ---------------


def month_end(first: datetime.date) -> datetime.date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _active_days(contract: Contract, first: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the month on which the contract was in force (may be empty:
    last before first)."""
    last = min(month_end(first), contract.end_date)
    if contract.terminated_on is not None:
        last = min(last, contract.terminated_on - datetime.timedelta(days=1))
    return max(first, contract.start_date), last


def month_value(*, contract: Contract, month: datetime.date) -> int:
    """What a month of a contract paid monthly costs: the value of the group's lessons of the
    month (cancelled ones excluded) prorated by the days the contract was in force in it,
    rounded down — and, in the contract's last month when it runs to its end, whatever makes
    the whole contract come to its total cost. Never more than is left of the total cost."""
    first = month.replace(day=1)
    starts, ends = _active_days(contract, first)
    if starts > ends:
        return 0
    hours = (
        contract.application.group.lessons.filter(
            date__gte=first, date__lte=month_end(first), status=LessonStatus.PLANNED
        ).aggregate(hours=Sum("hours"))["hours"]
        or 0
    )
    days = month_end(first).day
    value = hours * contract.price_per_hour * ((ends - starts).days + 1) // days
    charged, _ = _charged(contract)
    left = max(0, contract.total_cost - charged)
    runs_to_its_end = contract.terminated_on is None or contract.terminated_on > contract.end_date
    if runs_to_its_end and contract.end_date <= month_end(first):
        return left
    return min(value, left)


def contract_month_charge(*, contract: Contract, month: datetime.date) -> Charge | None:
    """Charge a month of a contract paid monthly, once, on the month's own invoice: the
    month's value split by the same cumulative rule as lessons, so that over the whole
    contract the certificate pays its part to the kopeck. None when the month costs nothing
    (the contract was not in force in it). Call inside the caller's durable transaction; the
    contract's row is locked here. Raises `HoldExceeded` when the reserve is gone."""
    first = month.replace(day=1)
    contract = (
        Contract.objects.select_for_update(of=("self",))
        .select_related("application", "hold")
        .get(pk=contract.pk)
    )
    active = Charge.objects.filter(contract=contract, month=first, reversed_at=None).first()
    if active is not None:
        return active
    value = month_value(contract=contract, month=first)
    if value <= 0:
        return None
    value_before, charged_before = _charged(contract)
    share = lesson_certificate_share(
        value_before=value_before,
        charged_before=charged_before,
        lesson_value=value,
        contract=contract,
    )
    transfer = None
    if share > 0 and contract.hold is not None:
        transfer = certificate_services.month_charge_post(
            hold=contract.hold,
            contract_id=contract.pk,
            month=first,
            attempt=Charge.objects.filter(contract=contract, month=first).count(),
            amount=share,
        )
    elif contract.hold is None:
        share = 0
    return Charge.objects.create(
        contract=contract,
        month=first,
        for_month=first,
        billed_month=first,
        lesson_value=value,
        certificate_amount=share,
        parent_amount=value - share,
        transfer=transfer,
    )
