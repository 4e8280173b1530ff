"""Month close: the operator makes a month's attendance and charges final, and each provider
gets one invoice for the month, one line per contract.

How it stays safe to repeat. The close is a batch, `MonthClosure`, created first in a durable
transaction of its own: from that commit on the month's attendance is frozen (attendance and
lesson changes refuse a month that has a closure). The batch is then filled provider by
provider, each provider in its own durable transaction under a lock of the provider's row:
the month's charges of the municipality's certificates that are not billed yet are grouped by
contract into the lines of one invoice, linked to their lines (`InvoicedCharge`: a charge is
billed once), summed again after linking — a mismatch rolls the provider's step back — and the
invoice gets its gap-free number in the same transaction. A run that stops anywhere leaves
whole providers done and the rest untouched; running the close again (the operator's button,
the console command, or the worker retrying) takes only what is not billed yet, and a run with
nothing left only marks the batch closed. Two operators pressing the button at once share one
batch (a unique constraint) and, provider by provider, the lock.

A contract paid monthly (`billing_regime` monthly) is charged for the month by the close
itself, in its provider's step, before the charges are gathered: the month's lessons' value
prorated by the days the contract was in force, attendance notwithstanding
(`enrollment.charges.contract_month_charge`).

Which charges a municipality's close bills: those of contracts paid by a certificate of the
municipality (the child's home municipality funds it, wherever the provider is) that are
billed in the month — the month's lessons, and, as correction lines that name the month they
correct, marks made after an earlier month was closed; and, negative, billed charges of a
closed month taken back since.
"""

import bisect
import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.billing.advances import invoice_advances_net
from kruzhok.billing.documents import InvoiceDocumentError, invoice_documents_issue
from kruzhok.billing.models import (
    Invoice,
    InvoicedCharge,
    InvoicedReversal,
    InvoiceLine,
    MonthClosure,
    MonthClosureStatus,
)
from kruzhok.catalog.models import Lesson, LessonStatus
from kruzhok.certificates.models import BillingRegime
from kruzhok.common.models import Municipality
from kruzhok.common.months import month_name
from kruzhok.common.services import audit_record, sequence_next
from kruzhok.enrollment import charges as charges_service
from kruzhok.enrollment.models import Charge, Contract
from kruzhok.providers.models import Provider

Progress = Callable[[int, int], None]


class MonthCloseError(Exception):
    """A refused month close; `str(error)` says in Russian why."""


def month_is_closed(*, municipality_id: int, day: datetime.date) -> bool:
    """Whether the month that `day` belongs to is closed (or closing) in the municipality."""
    return MonthClosure.objects.filter(
        municipality_id=municipality_id, month=day.replace(day=1)
    ).exists()


def _month_end(first: datetime.date) -> datetime.date:
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _check_may_close(
    actor: User | None, municipality: Municipality, first: datetime.date, today: datetime.date
) -> None:
    if actor is None:
        pass  # the server's console: whoever runs it already holds every right
    elif actor.role not in (Role.OPERATOR, Role.REGIONAL_ADMIN):
        raise MonthCloseError("Закрывать месяцы может только муниципальный оператор.")
    elif actor.role == Role.OPERATOR and actor.municipality_id != municipality.pk:
        raise MonthCloseError("Закрыть месяц может только оператор этого муниципалитета.")
    if first >= today.replace(day=1):
        raise MonthCloseError(
            f"Месяц {month_name(first)} ещё не закончился: закрыть можно только прошедший месяц."
        )


def month_close_start(
    *,
    actor: User | None,
    municipality: Municipality,
    month: datetime.date,
    today: datetime.date | None = None,
    in_background: bool = True,
) -> MonthClosure:
    """Start closing a month: create its batch, from which moment its attendance is frozen, and
    hand the billing to the worker (`in_background`); a close already under way is returned
    as it is, so a second press of the button joins the first.

    Refused for a month that is not over, a month already closed, or a person who is not an
    operator of the municipality (or a regional administrator); `actor` None is the server's
    console.
    """
    today = today or timezone.localdate()
    first = month.replace(day=1)
    _check_may_close(actor, municipality, first, today)
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                closure = MonthClosure.objects.create(
                    municipality=municipality,
                    month=first,
                    closed_by=actor,
                    status=MonthClosureStatus.RUNNING,
                )
        except IntegrityError:
            closure = MonthClosure.objects.get(municipality=municipality, month=first)
            if closure.status == MonthClosureStatus.CLOSED:
                raise MonthCloseError(f"Месяц {month_name(first)} уже закрыт.") from None
            return closure
        audit_record(
            actor=actor,
            action="month_close_status",
            obj=closure,
            month=first,
            status_from="",
            status_to=MonthClosureStatus.RUNNING,
        )
        if in_background:
            closure_id = closure.pk
            transaction.on_commit(lambda: _enqueue(closure_id))
    return closure


def _enqueue(closure_id: int) -> None:
    from kruzhok.billing.tasks import month_close_task  # the task module imports this one

    month_close_task.enqueue(closure_id=closure_id)


def month_close(
    *,
    actor: User | None,
    municipality: Municipality,
    month: datetime.date,
    today: datetime.date | None = None,
    progress: Progress | None = None,
) -> MonthClosure:
    """Close a month here and now (the console command, tests): start it, or join the close
    under way, and bill every provider before returning."""
    closure = month_close_start(
        actor=actor, municipality=municipality, month=month, today=today, in_background=False
    )
    return month_close_run(closure_id=closure.pk, progress=progress)


def month_close_run(*, closure_id: int, progress: Progress | None = None) -> MonthClosure:
    """Bill every provider of a month close that is not billed yet, then mark the close done.

    Idempotent and resumable (see the module's docstring). `progress(done, total)` is called
    after each provider.
    """
    closure = MonthClosure.objects.select_related("municipality").get(pk=closure_id)
    if closure.status == MonthClosureStatus.CLOSED:
        return closure
    provider_field = "contract__application__group__program__provider_id"
    provider_ids = sorted(
        set(_unbilled_charges(closure).values_list(provider_field, flat=True).distinct())
        | set(_unbilled_reversals(closure).values_list(provider_field, flat=True).distinct())
        | set(
            _monthly_contracts(closure).values_list(
                "application__group__program__provider_id", flat=True
            )
        )
    )
    MonthClosure.objects.filter(pk=closure.pk).update(
        providers_total=F("providers_done") + len(provider_ids)
    )
    closure.refresh_from_db(fields=["providers_total", "providers_done"])
    if progress is not None:
        progress(closure.providers_done, closure.providers_total)
    for provider_id in provider_ids:
        provider_invoice_issue(closure=closure, provider_id=provider_id)
        closure.refresh_from_db(fields=["providers_total", "providers_done"])
        if progress is not None:
            progress(closure.providers_done, closure.providers_total)
    with transaction.atomic(durable=True):
        finished = MonthClosure.objects.filter(
            pk=closure.pk, status=MonthClosureStatus.RUNNING
        ).update(status=MonthClosureStatus.CLOSED, finished_at=timezone.now())
        if finished:
            audit_record(
                actor=None,
                action="month_close_status",
                obj=closure,
                status_from=MonthClosureStatus.RUNNING,
                status_to=MonthClosureStatus.CLOSED,
                invoices=closure.providers_done,
            )
    closure.refresh_from_db()
    return closure


def _unbilled_charges(closure: MonthClosure) -> QuerySet[Charge]:
    """The month's charges not billed yet: lessons of the month, and late marks of closed
    months billed in this one as corrections."""
    # NOT EXISTS, not `invoiced__isnull=True`: PostgreSQL estimated that LEFT JOIN … IS NULL
    # over a month not billed yet at one row and nested its loops over every pair (measured by
    # make bench-billing: 1.4 s instead of 0.1 s for 270,000 charges).
    return Charge.objects.filter(
        ~Exists(InvoicedCharge.objects.filter(charge_id=OuterRef("pk"))),
        contract__certificate__municipality_id=closure.municipality_id,
        billed_month=closure.month,
        reversed_at=None,
    )


def _monthly_contracts(closure: MonthClosure) -> QuerySet[Contract]:
    """Contracts paid monthly by the municipality's certificates that were in force in the
    month and are not charged for it yet: the close charges their month first."""
    return (
        Contract.objects.filter(
            certificate__municipality_id=closure.municipality_id,
            billing_regime=BillingRegime.MONTHLY,
            start_date__lte=_month_end(closure.month),
            end_date__gte=closure.month,
        )
        .filter(Q(terminated_on__isnull=True) | Q(terminated_on__gt=closure.month))
        .exclude(
            Exists(
                Charge.objects.filter(
                    contract=OuterRef("pk"), month=closure.month, reversed_at__isnull=True
                )
            )
        )
        .order_by("pk")
    )


def _unbilled_reversals(closure: MonthClosure) -> QuerySet[Charge]:
    """Charges billed in a closed month and taken back since, to bill back in this one."""
    return Charge.objects.filter(
        ~Exists(InvoicedReversal.objects.filter(charge_id=OuterRef("pk"))),
        contract__certificate__municipality_id=closure.municipality_id,
        reversal_billed_month=closure.month,
    )


@dataclass
class _LineFigures:
    """A line being built: a contract's charges of the month (or of one corrected month), and
    the billed charges taken back (they count negative)."""

    contract: Contract
    corrects_month: datetime.date | None
    charges: list[Charge] = field(default_factory=list)
    reversals: list[Charge] = field(default_factory=list)

    @property
    def lessons(self) -> int:
        """Attended lessons (a month paid as a whole counts none: attendance does not matter)."""
        return sum(1 for c in self.charges if c.lesson_id) - sum(
            1 for c in self.reversals if c.lesson_id
        )

    @property
    def certificate(self) -> int:
        return sum(c.certificate_amount for c in self.charges) - sum(
            c.certificate_amount for c in self.reversals
        )

    @property
    def parent(self) -> int:
        return sum(c.parent_amount for c in self.charges) - sum(
            c.parent_amount for c in self.reversals
        )


def _lines(
    closure: MonthClosure, charges: list[Charge], reversals: list[Charge]
) -> list[_LineFigures]:
    lines: dict[tuple[int, datetime.date | None], _LineFigures] = {}

    def line(contract: Contract, corrects: datetime.date | None) -> _LineFigures:
        key = (contract.pk, corrects)
        if key not in lines:
            lines[key] = _LineFigures(contract=contract, corrects_month=corrects)
        return lines[key]

    for charge in charges:
        for_month = charge.for_month
        corrects = None if for_month == closure.month else for_month
        line(charge.contract, corrects).charges.append(charge)
    for charge in reversals:
        line(charge.contract, charge.billed_month).reversals.append(charge)
    return sorted(
        lines.values(), key=lambda f: (f.contract.pk, f.corrects_month or datetime.date.min)
    )


def provider_invoice_issue(*, closure: MonthClosure, provider_id: int) -> Invoice | None:
    """One provider's step of a close, in one durable transaction under the provider's lock:
    its invoice with a line per contract, the charges linked to their lines, the totals summed
    again; None when there is nothing (left) to bill."""
    with transaction.atomic(durable=True):
        provider = Provider.objects.select_for_update(of=("self",)).get(pk=provider_id)
        if Invoice.objects.filter(closure=closure, provider=provider).exists():
            return None
        for contract in _monthly_contracts(closure).filter(
            application__group__program__provider_id=provider_id
        ):
            charges_service.contract_month_charge(contract=contract, month=closure.month)
        related = (
            "lesson",
            "contract__application__child",
            "contract__application__group__program",
        )
        charges = list(
            _unbilled_charges(closure)
            .filter(contract__application__group__program__provider_id=provider_id)
            .select_related(*related)
            .order_by("contract_id", "lesson__date", "pk")
        )
        reversals = list(
            _unbilled_reversals(closure)
            .filter(contract__application__group__program__provider_id=provider_id)
            .select_related(*related)
            .order_by("contract_id", "lesson__date", "pk")
        )
        if not (charges or reversals):
            return None
        invoice = _invoice_create(closure, provider, _lines(closure, charges, reversals))
        _totals_check(invoice, charges, reversals)
        invoice_advances_net(invoice=invoice)
        try:
            # Numbered and rendered in the same transaction: stored as issued, never again.
            invoice_documents_issue(invoice=invoice)
        except InvoiceDocumentError as refusal:
            raise MonthCloseError(str(refusal)) from refusal
        MonthClosure.objects.filter(pk=closure.pk).update(providers_done=F("providers_done") + 1)
        audit_record(
            actor=None,
            action="invoice_status",
            obj=invoice,
            status_from="",
            status_to=invoice.status,
            certificate_amount=invoice.certificate_amount,
        )
    return invoice


def _invoice_create(
    closure: MonthClosure, provider: Provider, lines: list[_LineFigures]
) -> Invoice:
    issued_on = timezone.localdate()
    # Numbers are gap-free per series, payer and year: taken in this transaction, they are
    # rolled back with it if the step fails.
    series = f"{closure.municipality_id}-{issued_on.year}"
    invoice = Invoice.objects.create(
        closure=closure,
        provider=provider,
        series=series,
        number=sequence_next(name=f"invoice:{series}"),
        act_number=sequence_next(name=f"act:{series}"),
        issued_on=issued_on,
        lessons=sum(f.lessons for f in lines),
        certificate_amount=sum(f.certificate for f in lines),
        parent_amount=sum(f.parent for f in lines),
    )
    planned = _lessons_planned(closure, [f.contract for f in lines if f.corrects_month is None])
    saved = InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            contract=f.contract,
            contract_number=f.contract.number,
            child_initials=f.contract.application.child.initials_name,
            program_title=f.contract.application.group.program.title,
            group_name=f.contract.application.group.name,
            corrects_month=f.corrects_month,
            lessons_planned=0 if f.corrects_month else planned.get(f.contract.pk, 0),
            lessons_attended=f.lessons,
            certificate_amount=f.certificate,
            parent_amount=f.parent,
        )
        for f in lines
    )
    InvoicedCharge.objects.bulk_create(
        InvoicedCharge(line=line, charge=charge)
        for line, f in zip(saved, lines, strict=True)
        for charge in f.charges
    )
    InvoicedReversal.objects.bulk_create(
        InvoicedReversal(line=line, charge=charge)
        for line, f in zip(saved, lines, strict=True)
        for charge in f.reversals
    )
    return invoice


def _totals_check(invoice: Invoice, charges: list[Charge], reversals: list[Charge]) -> None:
    """Sum what was linked again from the database: the invoice, its lines and the charges
    (less the reversals) linked to them must agree to the kopeck, or the provider's step is
    rolled back."""
    lessons_only = Q(charge__lesson__isnull=False)
    added = InvoicedCharge.objects.filter(line__invoice=invoice).aggregate(
        n=Count("pk", filter=lessons_only),
        certificate=Coalesce(Sum("charge__certificate_amount"), 0),
        parent=Coalesce(Sum("charge__parent_amount"), 0),
    )
    taken = InvoicedReversal.objects.filter(line__invoice=invoice).aggregate(
        n=Count("pk", filter=lessons_only),
        certificate=Coalesce(Sum("charge__certificate_amount"), 0),
        parent=Coalesce(Sum("charge__parent_amount"), 0),
    )
    lines = InvoiceLine.objects.filter(invoice=invoice).aggregate(
        attended=Sum("lessons_attended"),
        certificate=Sum("certificate_amount"),
        parent=Sum("parent_amount"),
    )
    linked = (
        added["n"] - taken["n"],
        added["certificate"] - taken["certificate"],
        added["parent"] - taken["parent"],
    )
    expected = (invoice.lessons, invoice.certificate_amount, invoice.parent_amount)
    counted = (
        sum(1 for c in charges if c.lesson_id) - sum(1 for c in reversals if c.lesson_id),
        linked[1],
        linked[2],
    )
    if (
        linked != expected
        or counted != expected
        or (lines["attended"], lines["certificate"], lines["parent"]) != expected
    ):
        raise MonthCloseError(
            f"Суммы счёта поставщику «{invoice.provider.short_name}» не сошлись при проверке; "
            "счёт не выставлен. Повторите закрытие месяца — оно продолжится с этого поставщика."
        )


def _lessons_planned(closure: MonthClosure, contracts: list[Contract]) -> dict[int, int]:
    """Lessons of each contract's group in the month that the contract covered (not
    cancelled): what the schedule promised, beside what was attended. One query for all the
    groups' lessons of the month, counted per contract here."""
    first, last = closure.month, _month_end(closure.month)
    group_ids = {contract.application.group_id for contract in contracts}
    dates: dict[int, list[datetime.date]] = defaultdict(list)
    for group_id, day in (
        Lesson.objects.filter(
            group_id__in=group_ids, date__gte=first, date__lte=last, status=LessonStatus.PLANNED
        )
        .order_by("group_id", "date")
        .values_list("group_id", "date")
    ):
        dates[group_id].append(day)
    planned: dict[int, int] = defaultdict(int)
    for contract in contracts:
        ends = min(last, contract.end_date)
        if contract.terminated_on is not None:
            ends = min(ends, contract.terminated_on - datetime.timedelta(days=1))
        starts = max(first, contract.start_date)
        if starts <= ends:
            days = dates[contract.application.group_id]
            planned[contract.pk] = bisect.bisect_right(days, ends) - bisect.bisect_left(
                days, starts
            )
    return planned
