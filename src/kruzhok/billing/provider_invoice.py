"""The providers' invoices of a month close: the step the close repeats a chunk of providers at
a time (see `billing.month_close`); what it reads is in `billing.close_reads`.

A step runs in one durable transaction under its providers' locks: the monthly contracts are
charged, the invoices and their lines are created (two INSERTs for the chunk), every line of
every invoice is summed back and checked against the providers' totals, the lines' foreign
keys are checked, and only then do the invoices take their gap-free numbers and the
providers' advances get netted off: what steps running side by side share is locked last.
A line bills its contract's charges of the month by rule (`InvoiceLine`): nothing is written
per charge.
"""

import bisect
import datetime
import threading
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from kruzhok.billing import close_sql
from kruzhok.billing.advances import invoice_advances_net
from kruzhok.billing.close_reads import (
    ProviderTotals,
    line_figures,
    monthly_contracts,
    provider_totals,
)
from kruzhok.billing.models import Advance, Invoice, InvoiceLine, MonthClosure
from kruzhok.catalog.models import Lesson, LessonStatus
from kruzhok.common.services import AuditEntry, audit_record_many, sequence_take
from kruzhok.enrollment import charges as charges_service
from kruzhok.enrollment.models import Contract
from kruzhok.families.models import initials_name
from kruzhok.providers.models import Provider


class MonthCloseError(Exception):
    """A refused month close; `str(error)` says in Russian why."""


@dataclass(frozen=True)
class _ContractCopy:
    """What an invoice line copies from its contract, and what its planned lessons need."""

    number: str
    start_date: datetime.date
    end_date: datetime.date
    terminated_on: datetime.date | None
    group_id: int
    group_name: str
    program_title: str
    child_initials: str


PROVIDERS_PER_STEP = 500
"""How many providers a step bills in one transaction. A step's fixed cost (its locks, a
dozen statements, its commit, and summing its providers' charges again, which reads the
municipality's whole month whatever the chunk) is paid once for them all instead of once
each, which is what kept a region's close at many times its floor: a city of 100,000
children has about 330 providers, one step. A larger chunk holds its providers' locks longer
(an advance paid meanwhile waits for the step, a few seconds)."""


def provider_invoice_issue(*, closure: MonthClosure, provider_id: int) -> Invoice | None:
    """One provider's step of a close (`providers_invoices_issue` for one provider, its totals
    read under its lock): its invoice, or None when there is nothing (left) to bill."""
    invoices = providers_invoices_issue(closure=closure, provider_ids=[provider_id])
    return invoices[0] if invoices else None


def providers_invoices_issue(
    *,
    closure: MonthClosure,
    provider_ids: list[int],
    totals: dict[int, ProviderTotals] | None = None,
    monthly: set[int] | None = None,
    numbers_after: threading.Event | None = None,
) -> list[Invoice]:
    """A step of a close for a chunk of providers, in one durable transaction under their
    locks (taken in primary-key order): for each provider not billed yet, its invoice for the
    provider's totals, numbered in provider order, with a line per contract (and per month a
    contract's corrections are for) summed from the charges again; every invoice checked
    against its lines, the providers' advances netted off. The invoices issued, in provider
    order (none for a provider with nothing, or nothing left, to bill).

    All or nothing: a step that fails or does not add up leaves none of its providers billed
    and takes no number, so a close that stops anywhere resumes with whole steps done.

    `totals`, the providers' totals as the run summed them for every provider in one read
    before the steps, spare each step a read of its own; the lines are summed from the charges
    under the locks, so totals that no longer hold (a charge that slipped past the month's
    freeze, a close run twice at once) roll the step back (`MonthCloseError`), and the run
    does its providers again one by one with totals read under the lock. A step that charges
    monthly contracts reads its own.

    `monthly`, the providers with contracts paid monthly left to charge, as the run read them
    once the close had begun (a close is for a month that is over, and a contract begins on
    the day it is signed: none begins in the month later), spare the others' steps a read.

    `numbers_after`: an event the step waits for before it takes its numbers (the end of the
    step before it, when the close runs steps side by side).

    The invoices' documents are rendered after the step, outside its locks
    (`invoice_documents_issue`): they are made from the invoices and their lines, which
    never change once the step commits.
    """
    with transaction.atomic(durable=True):
        locked = list(
            Provider.objects.select_for_update(of=("self",))
            .filter(pk__in=provider_ids)
            .order_by("pk")
        )
        billed_before = set(
            Invoice.objects.filter(closure=closure, provider_id__in=provider_ids).values_list(
                "provider_id", flat=True
            )
        )
        providers = [provider for provider in locked if provider.pk not in billed_before]
        if not providers:
            return []
        todo = [provider.pk for provider in providers]
        to_charge = todo if monthly is None else [pk for pk in todo if pk in monthly]
        charged_months = [
            charges_service.contract_month_charge(contract=contract, month=closure.month)
            for contract in (
                monthly_contracts(closure).filter(
                    application__group__program__provider_id__in=to_charge
                )
                if to_charge
                else ()
            )
        ]
        if totals is None or any(charged_months):
            totals = provider_totals(closure, todo)
        billed = [
            (provider, totals[provider.pk])
            for provider in providers
            if provider.pk in totals and totals[provider.pk].bills_anything
        ]
        if not billed:
            return []
        invoices = _invoices_create(closure, billed)
        _lines_create(closure, invoices)
        _step_check(invoices)
        in_advance = _providers_with_advances(
            closure, [invoice.provider_id for invoice in invoices]
        )
        audit_record_many(
            AuditEntry(
                actor=None,
                action="invoice_status",
                obj=invoice,
                details={
                    "status_from": "",
                    "status_to": invoice.status,
                    "certificate_amount": invoice.certificate_amount,
                },
            )
            for invoice in invoices
        )
        # What steps running side by side share comes last: the numbers' counters (and the
        # batch's progress below) are locked from here to the commit, so the lines' foreign
        # keys are checked first, and a step waits for another only for that moment.
        close_sql.deferred_checks_run()
        if numbers_after is not None:
            numbers_after.wait()
        _invoices_number(closure, invoices)
        # Netting names the invoice's number in the ledger: after the numbers.
        for invoice in invoices:
            if invoice.provider_id in in_advance:
                invoice_advances_net(invoice=invoice)
        MonthClosure.objects.filter(pk=closure.pk).update(
            providers_done=F("providers_done") + len(invoices)
        )
    return invoices


def _step_check(invoices: list[Invoice]) -> None:
    """Sum the step's lines in the database: each invoice must be what its lines add up to, to
    the kopeck, with a line at least — the invoice from its provider's totals, the lines from
    the charges contract by contract, two sums of the same money by different roads — or
    MonthCloseError rolls the whole step back. The lines bill their charges by rule
    (`InvoiceLine`), so this is the whole of linking them."""
    in_lines = {
        invoice_id: (lessons, certificate, parent)
        for invoice_id, lessons, certificate, parent in InvoiceLine.objects.filter(
            invoice__in=invoices
        )
        .order_by()
        .values("invoice_id")
        .annotate(
            lessons=Sum("lessons_attended"),
            certificate=Sum("certificate_amount"),
            parent=Sum("parent_amount"),
        )
        .values_list("invoice_id", "lessons", "certificate", "parent")
    }
    for invoice in invoices:
        if in_lines.get(invoice.pk) != (
            invoice.lessons,
            invoice.certificate_amount,
            invoice.parent_amount,
        ):
            raise MonthCloseError(
                f"Суммы счёта поставщику «{invoice.provider.short_name}» не сошлись при "
                "проверке; счёт не выставлен. Повторите закрытие месяца — оно продолжится "
                "с этого поставщика."
            )


def _providers_with_advances(closure: MonthClosure, provider_ids: list[int]) -> set[int]:
    """Which of the providers have advances from the close's payer not netted off yet: only
    their invoices look for advances to net."""
    return set(
        Advance.objects.filter(
            municipality_id=closure.municipality_id,
            provider_id__in=provider_ids,
            month__lte=closure.month,
            netted__lt=F("amount"),
        ).values_list("provider_id", flat=True)
    )


def _invoices_create(
    closure: MonthClosure, billed: list[tuple[Provider, ProviderTotals]]
) -> list[Invoice]:
    """The step's invoices for their providers' totals, in provider order: one INSERT. Their
    numbers are drafts, 1, 2, … in a series of the step's own, until `_invoices_number` gives
    them theirs before the step commits: nobody ever sees a draft."""
    issued_on = timezone.localdate()
    draft = f"draft-{closure.pk}-{billed[0][0].pk}"  # steps of a close bill other providers
    return Invoice.objects.bulk_create(
        Invoice(
            closure=closure,
            provider=provider,
            series=draft,
            number=place,
            act_number=place,
            issued_on=issued_on,
            lessons=totals.lessons,
            certificate_amount=totals.certificate,
            parent_amount=totals.parent,
        )
        for place, (provider, totals) in enumerate(billed, start=1)
    )


def _invoices_number(closure: MonthClosure, invoices: list[Invoice]) -> None:
    """Number the step's invoices and acts in provider order (their drafts' order), by one
    UPDATE. Numbers are gap-free per series, payer and year: taken in the step's transaction,
    they are rolled back with it if the step fails, and the counters stay locked until it
    commits."""
    series = f"{closure.municipality_id}-{invoices[0].issued_on.year}"
    numbers = sequence_take(name=f"invoice:{series}", count=len(invoices))
    act_numbers = sequence_take(name=f"act:{series}", count=len(invoices))
    Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices]).update(
        series=series,
        number=F("number") + numbers.start - 1,
        act_number=F("act_number") + act_numbers.start - 1,
    )
    for invoice, number, act_number in zip(invoices, numbers, act_numbers, strict=True):
        invoice.series, invoice.number, invoice.act_number = series, number, act_number


def _lines_create(closure: MonthClosure, invoices: list[Invoice]) -> None:
    """The invoices' lines, summed from the charges contract by contract: on PostgreSQL by one
    statement in the database (`close_sql.lines_build`: a region's close sums 1.5 million
    charges into 150,000 lines, and carrying them through Python cost more than summing
    them); elsewhere here, with the ORM (`_lines_in_python`), which states the same rule
    (`tests/test_close_sql.py` holds the two equal)."""
    if connection.vendor == "postgresql":
        close_sql.lines_build(
            invoice_ids=[invoice.pk for invoice in invoices],
            provider_ids=[invoice.provider_id for invoice in invoices],
            municipality_id=closure.municipality_id,
            month=closure.month,
            month_end=charges_service.month_end(closure.month),
        )
    else:
        _lines_in_python(closure, invoices)


def _lines_in_python(closure: MonthClosure, invoices: list[Invoice]) -> None:
    """The invoices' lines summed by the ORM (`line_figures`), their contracts copied and
    their planned lessons counted here, inserted in one go (`close_sql.lines_insert`)."""
    figures = line_figures(closure, [invoice.provider_id for invoice in invoices])
    billed = [(invoice, figures.get(invoice.provider_id, [])) for invoice in invoices]
    # Rows, not model instances: a region's close copies tens of thousands of contracts into
    # its lines, and building the contract, application, child, group and program of each
    # cost more than the statement. Read by the step's providers and the payer, not by the
    # lines' tens of thousands of ids: one statement, and the join the database does anyway.
    wanted = {f.contract_id for _, lines in billed for f in lines}
    contracts: dict[int, _ContractCopy] = {}
    for row in Contract.objects.filter(
        certificate__municipality_id=closure.municipality_id,
        application__group__program__provider_id__in=[invoice.provider_id for invoice in invoices],
    ).values_list(
        "pk",
        "number",
        "start_date",
        "end_date",
        "terminated_on",
        "application__group_id",
        "application__group__name",
        "application__group__program__title",
        "application__child__last_name",
        "application__child__first_name",
        "application__child__patronymic",
    ):
        if row[0] not in wanted:
            continue
        contracts[row[0]] = _ContractCopy(
            number=row[1],
            start_date=row[2],
            end_date=row[3],
            terminated_on=row[4],
            group_id=row[5],
            group_name=row[6],
            program_title=row[7],
            child_initials=initials_name(row[8], row[9], row[10]),
        )
    planned = _lessons_planned(
        closure,
        {
            f.contract_id: contracts[f.contract_id]
            for _, lines in billed
            for f in lines
            if f.corrects_month is None
        },
    )
    close_sql.lines_insert(
        [
            close_sql.LineRow(
                invoice_id=invoice.pk,
                contract_id=f.contract_id,
                contract_number=contracts[f.contract_id].number,
                child_initials=contracts[f.contract_id].child_initials,
                program_title=contracts[f.contract_id].program_title,
                group_name=contracts[f.contract_id].group_name,
                corrects_month=f.corrects_month,
                lessons_planned=0 if f.corrects_month else planned.get(f.contract_id, 0),
                lessons_attended=f.lessons,
                certificate_amount=f.certificate,
                parent_amount=f.parent,
            )
            for invoice, lines in billed
            for f in lines
        ]
    )


def _lessons_planned(closure: MonthClosure, contracts: dict[int, _ContractCopy]) -> dict[int, int]:
    """Lessons of each contract's group in the month that the contract covered (not
    cancelled): what the schedule promised, beside what was attended. One query for all the
    groups' lessons of the month, counted per contract here."""
    first, last = closure.month, charges_service.month_end(closure.month)
    group_ids = {contract.group_id for contract in contracts.values()}
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
    for contract_id, contract in contracts.items():
        ends = min(last, contract.end_date)
        if contract.terminated_on is not None:
            ends = min(ends, contract.terminated_on - datetime.timedelta(days=1))
        starts = max(first, contract.start_date)
        if starts <= ends:
            days = dates[contract.group_id]
            planned[contract_id] = bisect.bisect_right(days, ends) - bisect.bisect_left(
                days, starts
            )
    return planned
