"""Charges for attended lessons under a contract (regime per_lesson).

The certificate's share is computed cumulatively so that, lesson after lesson, the amounts
charged to the certificate never drift from the contract's split:

    certificate charged so far = floor(attended value so far × certificate part ÷ total cost)

and when every lesson has been attended the totals equal the contract's parts to the kopeck.
"""

from django.db.models import Sum
from django.utils import timezone

from kruzhok.catalog.models import Lesson
from kruzhok.certificates import ledger
from kruzhok.enrollment.models import Charge, Contract


def certificate_share(
    *, value_before: int, charged_before: int, lesson_value: int, contract: Contract
) -> int:
    """The certificate's part of one more lesson, by cumulative rounding down."""
    if contract.total_cost == 0 or contract.certificate_part == 0:
        return 0
    target = (value_before + lesson_value) * contract.certificate_part // contract.total_cost
    return max(0, min(lesson_value, target - charged_before))


def lesson_charge(*, contract: Contract, lesson: Lesson) -> Charge:
    """Charge one attended lesson under a contract, once.

    Call inside the caller's transaction with the contract row locked: a second call for the
    same lesson returns the active charge; the ledger key makes a retried transfer move money
    once.
    """
    active = Charge.objects.filter(contract=contract, lesson=lesson, reversed_at=None).first()
    if active is not None:
        return active
    lesson_value = contract.price_per_hour * lesson.hours
    totals = Charge.objects.filter(contract=contract, reversed_at=None).aggregate(
        value=Sum("lesson_value"), certificate=Sum("certificate_amount")
    )
    share = certificate_share(
        value_before=totals["value"] or 0,
        charged_before=totals["certificate"] or 0,
        lesson_value=lesson_value,
        contract=contract,
    )
    transfer = None
    if share > 0 and contract.hold is not None:
        generation = Charge.objects.filter(contract=contract, lesson=lesson).count()
        child_id = contract.application.child_id
        transfer = ledger.hold_post(
            hold=contract.hold,
            amount=share,
            key=f"attendance:{lesson.pk}:{child_id}:{generation}",
            description=f"Занятие {lesson.date:%d.%m.%Y}",
        )
    elif contract.hold is None:
        share = 0
    return Charge.objects.create(
        contract=contract,
        lesson=lesson,
        lesson_value=lesson_value,
        certificate_amount=share,
        parent_amount=lesson_value - share,
        transfer=transfer,
    )


def lesson_charge_reverse(*, contract: Contract, lesson: Lesson) -> Charge | None:
    """Undo the active charge of a lesson (attendance un-marked); None if there is none.

    The certificate's share goes back into the contract's reserve by a reversing transfer.
    """
    charge = Charge.objects.filter(contract=contract, lesson=lesson, reversed_at=None).first()
    if charge is None:
        return None
    if charge.transfer is not None:
        charge.reversal = ledger.transfer_reverse(
            transfer=charge.transfer,
            key=f"reverse:{charge.transfer.idempotency_key}",
            description=f"Отмена отметки за {lesson.date:%d.%m.%Y}",
        )
    charge.reversed_at = timezone.now()
    charge.save(update_fields=["reversal", "reversed_at"])
    return charge
