"""Charges for attended lessons under a contract (regime per_lesson).

The certificate's share is computed cumulatively so that, lesson after lesson, the amounts
charged to the certificate never drift from the contract's split:

    certificate charged so far = floor(attended value so far × certificate part ÷ total cost)

and when every lesson has been attended the totals equal the contract's parts to the kopeck.
The formula lives once, in `certificates.services.certificate_share`; the money moves through
the certificates app's services.
"""

import datetime

from django.db.models import Sum
from django.utils import timezone

from kruzhok.catalog.models import Lesson, LessonStatus
from kruzhok.certificates import services as certificate_services
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
    share (cumulative rounding, as a lesson's charge computes it) of lessons before `on` that
    are not charged yet — a teacher may fill in the journal for days the child still
    attended."""
    if contract.total_cost == 0 or contract.certificate_part == 0:
        return 0
    hours = (
        contract.application.group.lessons.filter(
            date__gte=contract.start_date, date__lt=on, status=LessonStatus.PLANNED
        )
        .exclude(
            pk__in=Charge.objects.filter(contract=contract, reversed_at=None).values("lesson_id")
        )
        .aggregate(hours=Sum("hours"))["hours"]
        or 0
    )
    if hours == 0:
        return 0
    value, charged = _charged(contract)
    target = certificate_services.certificate_share(
        value=value + hours * contract.price_per_hour,
        certificate_part=contract.certificate_part,
        total_cost=contract.total_cost,
    )
    return max(0, target - charged)


def active_charge(*, contract: Contract, lesson: Lesson) -> Charge | None:
    """The lesson's charge under the contract that is not reversed, if any."""
    return Charge.objects.filter(contract=contract, lesson=lesson, reversed_at=None).first()
