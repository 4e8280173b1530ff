"""Month close: the operator makes a month's attendance and charges final, and each provider
gets one invoice for the month, one line per contract.

How it stays safe to repeat. The close is a batch, `MonthClosure`, created first in a durable
transaction of its own: from that commit on the month's attendance is frozen (attendance and
lesson changes refuse a month that has a closure). The batch is then filled a chunk of
providers at a time, each chunk in its own durable transaction under locks of its providers'
rows (a provider's step costs a dozen statements and a commit whatever its size: paid once
for a chunk, not once a provider); on PostgreSQL two chunks of about as many charges run side
by side, one on a thread and connection of its own (`STEPS_SIDE_BY_SIDE`). For each provider:
the month's charges of the municipality's certificates are grouped by contract into the lines
of one invoice (a line bills its contract's charges of the month by rule, `InvoiceLine`: a
region's close writes a line per contract, not a row per lesson), summed again and checked
against the lines read back — a mismatch rolls the chunk's step back — and the invoice gets
its gap-free number in the same transaction. A run that stops anywhere leaves whole chunks
done and the rest untouched; running the close again (the operator's button, the console
command, or the worker retrying) takes only the providers without an invoice yet, and a run
with nothing left only marks the batch closed. Two operators pressing the button at once share one
batch (a unique constraint) and, provider by provider, the lock.

The provider's step lives in `billing.provider_invoice`. A contract paid monthly
(`billing_regime` monthly) is charged for the month by the close itself, in its provider's
step, before the charges are gathered: the month's lessons' value
prorated by the days the contract was in force, attendance notwithstanding
(`enrollment.charges.contract_month_charge`).

Which charges a municipality's close bills: those of contracts paid by a certificate of the
municipality (the child's home municipality funds it, wherever the provider is) that are
billed in the month — the month's lessons, and, as correction lines that name the month they
correct, marks made after an earlier month was closed; and, negative, billed charges of a
closed month taken back since.
"""

import datetime
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import ExitStack

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.billing import close_sql, provider_invoice
from kruzhok.billing.close_reads import ProviderTotals, monthly_contracts, provider_totals
from kruzhok.billing.documents import (
    DOCUMENT_KINDS,
    InvoiceDocumentError,
    invoice_documents_issue,
)
from kruzhok.billing.models import (
    Invoice,
    MonthClosure,
    MonthClosureStatus,
)
from kruzhok.billing.provider_invoice import (
    MonthCloseError,
    provider_invoice_issue,
    providers_invoices_issue,
)
from kruzhok.common.models import Municipality
from kruzhok.common.months import month_name
from kruzhok.common.services import audit_record

Progress = Callable[[int, int], None]


def month_is_closed(*, municipality_id: int, day: datetime.date) -> bool:
    """Whether the month that `day` belongs to is closed (or closing) in the municipality."""
    return MonthClosure.objects.filter(
        municipality_id=municipality_id, month=day.replace(day=1)
    ).exists()


def month_hold_open(*, municipality_id: int, day: datetime.date) -> datetime.date:
    """The first month, from `day`'s on, that the municipality has not closed (or begun to),
    held open until the caller's transaction ends: a close of it begins only after that
    transaction, so a charge billed in the month is there when the close sums it.

    A mark calls it for the month it bills before it reads whether the month is closing, and a
    close creates its batch under the month's exclusive lock (`close_sql.month_lock`): without
    it, a mark that read its month as open an instant before the batch was created could
    commit its charge after the close had summed the month, billed nowhere."""
    month = day.replace(day=1)
    while True:
        close_sql.month_lock(municipality_id=municipality_id, month=month, shared=True)
        if not month_is_closed(municipality_id=municipality_id, day=month):
            return month
        month = (month + datetime.timedelta(days=32)).replace(day=1)


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
        # Waits for the marks holding the month open; later ones wait for this commit.
        close_sql.month_lock(municipality_id=municipality.pk, month=first, shared=False)
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


def month_close_resume(*, actor: User, closure: MonthClosure) -> None:
    """Hand a close to the worker again: a close whose worker stopped (a restart, a crash)
    goes on from the next provider not billed, and a closed month's invoices without their
    documents get them. Safe whenever it is pressed: a run finds done what is done."""
    _check_may_close(actor, closure.municipality, closure.month, timezone.localdate())
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action="month_close_resume",
            obj=closure,
            status=closure.status,
            providers_done=closure.providers_done,
        )
        closure_id = closure.pk
        transaction.on_commit(lambda: _enqueue(closure_id))


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
    documents: bool = True,
) -> MonthClosure:
    """Close a month here and now (the console command, tests): start it, or join the close
    under way, and bill every provider (and render the invoices' documents) before
    returning."""
    closure = month_close_start(
        actor=actor, municipality=municipality, month=month, today=today, in_background=False
    )
    return month_close_run(closure_id=closure.pk, progress=progress, documents=documents)


def month_close_run(
    *, closure_id: int, progress: Progress | None = None, documents: bool = True
) -> MonthClosure:
    """Bill every provider of a month close that is not billed yet, mark the close done, then
    (`documents`) render the documents of its invoices that have none yet.

    Idempotent and resumable (see the module's docstring). The providers are billed a chunk
    at a time (`provider_invoice.PROVIDERS_PER_STEP` in one transaction); `progress(done,
    total)` is called after each chunk.
    """
    closure = MonthClosure.objects.select_related("municipality").get(pk=closure_id)
    if closure.status == MonthClosureStatus.CLOSED:
        if documents:
            closure_documents_issue(closure_id=closure.pk)
        return closure
    with ExitStack() as stack:
        pool = None
        if _may_run_side_by_side():
            pool = stack.enter_context(
                ThreadPoolExecutor(
                    max_workers=STEPS_SIDE_BY_SIDE - 1, thread_name_prefix="month-close"
                )
            )
            stack.callback(_connections_close, pool, STEPS_SIDE_BY_SIDE - 1)
        # The totals, the run's longest read, are read on a thread that runs a step later (its
        # connection is warm when the step begins) while this one reads what else the run needs.
        read = pool.submit(provider_totals, closure) if pool is not None else None
        # A provider billed by a run that stopped later has had the whole month billed.
        billed = set(Invoice.objects.filter(closure=closure).values_list("provider_id", flat=True))
        monthly = (
            set(
                monthly_contracts(closure).values_list(
                    "application__group__program__provider_id", flat=True
                )
            )
            - billed
        )
        side_by_side = STEPS_SIDE_BY_SIDE if pool is not None and not monthly else 1
        totals = {
            provider: sums
            for provider, sums in (read.result() if read else provider_totals(closure)).items()
            if provider not in billed
        }
        provider_ids = sorted((set(totals) | monthly) - billed)
        MonthClosure.objects.filter(pk=closure.pk).update(
            providers_total=F("providers_done") + len(provider_ids)
        )
        closure.refresh_from_db(fields=["providers_total", "providers_done"])
        if progress is not None:
            progress(closure.providers_done, closure.providers_total)
        refused: list[int] = []
        steps = _steps_run(
            closure, provider_ids, totals, monthly, pool if side_by_side > 1 else None, side_by_side
        )
        for chunk in steps:
            refused.extend(chunk)
            closure.refresh_from_db(fields=["providers_total", "providers_done"])
            if progress is not None:
                progress(closure.providers_done, closure.providers_total)
    # The totals read before the steps no longer held for a provider of these chunks: bill
    # them one by one with totals read under each one's lock, so the others are not held
    # back; a second refusal stops the run (it resumes from there).
    for provider_id in refused:
        provider_invoice_issue(closure=closure, provider_id=provider_id)
    if refused:
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
    if documents:
        closure_documents_issue(closure_id=closure.pk)
    return closure


STEPS_SIDE_BY_SIDE = 2
"""How many of a close's steps run at once, each on a connection of its own: a step is mostly
the database summing and writing its providers' lines, one statement that PostgreSQL runs on
one core, and the checks of their foreign keys, so two steps of half the providers each use
both cores of a small server. Steps share only the invoices' number counters and the batch's
progress, locked at their ends (`provider_invoice.providers_invoices_issue`)."""


def _may_run_side_by_side() -> bool:
    """Whether a run may run steps side by side: on PostgreSQL, when the caller holds no
    transaction (another connection would not see what it has not committed). It runs them
    one at a time all the same when a contract paid monthly is left to charge.

    A step charges its monthly contracts first, through the ledger, which locks each child's
    certificate until the step commits; a child may have contracts with providers of both
    steps, and a step that waits for the one before it to end (to take its numbers after it)
    while holding a certificate that one needs would wait for ever. Without monthly charges,
    steps share nothing before their numbers but locks that do not conflict."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _connections_close(pool: ThreadPoolExecutor, workers: int) -> None:
    """Close the connection of each of the pool's threads: a task on each (they wait for each
    other, so no thread takes two)."""
    met = threading.Barrier(workers)

    def close() -> None:
        met.wait()
        connection.close()

    for closed in [pool.submit(close) for _ in range(workers)]:
        closed.result()


def _steps_run(
    closure: MonthClosure,
    provider_ids: list[int],
    totals: dict[int, ProviderTotals],
    monthly: set[int],
    pool: ThreadPoolExecutor | None,
    side_by_side: int,
) -> Iterator[list[int]]:
    """Run the close's steps, `provider_invoice.PROVIDERS_PER_STEP` providers at most each,
    `side_by_side` at once: the first here, the others on the pool's threads, each with a
    connection of its own; yields, as each step ends, the providers of a step refused because
    its totals no longer held (an empty list for a step done).

    Side by side, a step takes its invoices' numbers only once the step before it has ended,
    so the numbers come chunk by chunk, each in provider order, whichever step ends first."""
    chunks = _chunks(provider_ids, totals, side_by_side)
    if pool is None or len(chunks) == 1:
        for chunk in chunks:
            yield _step(closure, chunk, totals, monthly)
        return
    ended = [threading.Event() for _ in chunks]

    def step(number: int) -> list[int]:
        try:
            return _step(
                closure,
                chunks[number],
                totals,
                monthly,
                numbers_after=ended[number - 1] if number else None,
            )
        finally:
            ended[number].set()

    # Submitted (and so started) in order: a step waits only for one already running.
    others = [pool.submit(step, number) for number in range(1, len(chunks))]
    yield step(0)
    for done in as_completed(others):
        yield done.result()


def _chunks(
    provider_ids: list[int], totals: dict[int, ProviderTotals], parts: int
) -> list[list[int]]:
    """The providers dealt into `parts` chunks of about as many charges each (more when one
    would pass `PROVIDERS_PER_STEP` providers), each chunk in provider order: the largest
    provider first to the chunk with the fewest charges so far, and so on down. A city's
    providers are anything but even — one may hold a fifth of its charges — so cutting their
    list in two at the middle of the charges left one step a fifth longer than the other.
    Deterministic: the same providers and totals make the same chunks."""
    size = provider_invoice.PROVIDERS_PER_STEP
    count = max(parts, -(-len(provider_ids) // size))
    chunks: list[list[int]] = [[] for _ in range(count)]
    loads = [0] * count

    def weight(provider_id: int) -> int:
        sums = totals.get(provider_id)
        return 1 + (sums.charges + sums.reversals if sums is not None else 0)

    for provider_id in sorted(provider_ids, key=lambda p: (-weight(p), p)):
        lightest = min(
            (n for n in range(count) if len(chunks[n]) < size), key=lambda n: (loads[n], n)
        )
        chunks[lightest].append(provider_id)
        loads[lightest] += weight(provider_id)
    return [sorted(chunk) for chunk in chunks if chunk]


def _step(
    closure: MonthClosure,
    chunk: list[int],
    totals: dict[int, ProviderTotals],
    monthly: set[int],
    numbers_after: threading.Event | None = None,
) -> list[int]:
    """One step: the chunk's providers, or all of them back if its totals no longer held."""
    try:
        providers_invoices_issue(
            closure=closure,
            provider_ids=chunk,
            totals=totals,
            monthly=monthly,
            numbers_after=numbers_after,
        )
    except MonthCloseError:
        return chunk
    return []


def closure_documents_issue(*, closure_id: int, progress: Progress | None = None) -> int:
    """Render and store the documents of a close's invoices that have none yet, an invoice at a
    time in its own transaction; how many invoices got them.

    Outside the providers' steps on purpose: WeasyPrint takes about a second an invoice, which
    would hold each provider's lock that long (and a region's close for as many seconds as it
    has invoices). What is rendered is the invoice as its step committed it — its number,
    lines and totals never change afterwards — and once stored a document is never rendered
    again, so running this twice, or from two workers, stores each document once.
    """
    pending = list(
        Invoice.objects.filter(closure_id=closure_id)
        .annotate(stored=Count("documents"))
        .filter(stored__lt=len(DOCUMENT_KINDS))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for done, invoice_id in enumerate(pending, start=1):
        with transaction.atomic(durable=True):
            invoice = Invoice.objects.get(pk=invoice_id)
            try:
                invoice_documents_issue(invoice=invoice)
            except InvoiceDocumentError as refusal:
                raise MonthCloseError(str(refusal)) from refusal
        if progress is not None:
            progress(done, len(pending))
    return len(pending)
