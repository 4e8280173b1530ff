"""A month close whose steps run side by side (PostgreSQL, `month_close.STEPS_SIDE_BY_SIDE`):
each step on a thread and a connection of its own, committed for real, so these tests run
outside the test's transaction. The steps bill what one step after another bills, number the
invoices chunk by chunk whichever step ends first, and a step that fails leaves the other's
invoices and resumes with the numbers still gap-free."""

import threading
import time

import pytest
from django.db import connection

from kruzhok.billing import month_close as month_close_module
from kruzhok.billing import provider_invoice as provider_invoice_module
from kruzhok.billing.models import Invoice, InvoiceLine, MonthClosure, MonthClosureStatus
from kruzhok.billing.month_close import month_close, month_close_run
from kruzhok.billing.selectors import line_charges
from kruzhok.billing.tests.scenes import at, monthly_scene
from kruzhok.billing.tests.test_month_close import OCTOBER, _october
from kruzhok.certificates.management.audit import ledger_audit
from kruzhok.certificates.models import BillingRegime
from kruzhok.common.models import NumberSequence
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import group_make, program_make, provider_make

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

_moments: list[tuple[str, float]] = []


def _steps_seen(monkeypatch) -> list[tuple[str, list[int]]]:
    """Record each step's thread and providers as it starts, and when steps start and end
    (`_moments`)."""
    seen: list[tuple[str, list[int]]] = []
    _moments.clear()
    real = provider_invoice_module.providers_invoices_issue

    def recorded(**kwargs):
        seen.append((threading.current_thread().name, list(kwargs["provider_ids"])))
        _moments.append(("start", time.monotonic()))
        try:
            return real(**kwargs)
        finally:
            _moments.append(("end", time.monotonic()))

    monkeypatch.setattr(month_close_module, "providers_invoices_issue", recorded)
    return seen


def test_steps_side_by_side_bill_every_charge_once_numbered_in_provider_order(
    time_machine, monkeypatch
):
    world, operator, contracts = _october(time_machine, second_provider=True)
    seen = _steps_seen(monkeypatch)
    # The first chunk (the provider with more charges: two children) ends last: its numbers
    # still come first.
    real = provider_invoice_module._step_check
    first_provider = world.provider.pk

    def first_step_slower(invoices):
        if invoices[0].provider_id == first_provider:
            time.sleep(0.3)
        real(invoices)

    monkeypatch.setattr(provider_invoice_module, "_step_check", first_step_slower)

    closure = month_close(
        actor=operator, municipality=world.municipality, month=OCTOBER, documents=False
    )

    assert closure.status == MonthClosureStatus.CLOSED
    # The first step on the run's own thread, the second on a thread of its own, at once:
    # both started before either ended.
    assert [thread.startswith("month-close") for thread, _ in seen] in (
        [False, True],
        [True, False],
    )
    assert [kind for kind, _ in sorted(_moments, key=lambda m: m[1])] == [
        "start",
        "start",
        "end",
        "end",
    ]
    assert sorted(providers for _, providers in seen) == [
        [first_provider],
        [contracts["other"].application.group.program.provider_id],
    ]
    invoices = list(Invoice.objects.order_by("provider_id"))
    series = f"{world.municipality.pk}-2026"
    assert [(i.series, i.number, i.act_number) for i in invoices] == [
        (series, 1, 1),
        (series, 2, 2),
    ]
    assert NumberSequence.objects.get(name=f"invoice:{series}").last_value == 2
    billed: list[int] = []
    for invoice in invoices:
        lines = list(InvoiceLine.objects.filter(invoice=invoice))
        assert invoice.certificate_amount == sum(line.certificate_amount for line in lines)
        for line in lines:
            billed += line_charges(line=line).values_list("pk", flat=True)
    assert sorted(billed) == sorted(
        Charge.objects.filter(billed_month=OCTOBER, reversed_at=None).values_list("pk", flat=True)
    )
    assert all(result.ok for result in ledger_audit())


def test_a_step_failing_beside_another_leaves_its_invoices_and_the_close_resumes(
    time_machine, monkeypatch
):
    world, operator, _ = _october(time_machine, second_provider=True)
    seen = _steps_seen(monkeypatch)
    real = provider_invoice_module._step_check
    first_provider = world.provider.pk

    def first_step_killed(invoices):
        if invoices[0].provider_id == first_provider:
            raise RuntimeError("the worker was killed")
        real(invoices)

    monkeypatch.setattr(provider_invoice_module, "_step_check", first_step_killed)
    with pytest.raises(RuntimeError):
        month_close(actor=operator, municipality=world.municipality, month=OCTOBER)

    assert len({thread for thread, _ in seen}) == 2
    closure = MonthClosure.objects.get()
    assert closure.status == MonthClosureStatus.RUNNING
    assert (closure.providers_total, closure.providers_done) == (2, 1)
    other = Invoice.objects.get()  # the other step committed, and took number 1
    assert other.provider_id != first_provider and other.number == 1

    monkeypatch.setattr(provider_invoice_module, "_step_check", real)
    closure = month_close_run(closure_id=closure.pk, documents=False)

    assert closure.status == MonthClosureStatus.CLOSED
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2]
    assert Invoice.objects.get(provider_id=first_provider).number == 2
    assert all(result.ok for result in ledger_audit())


def test_a_close_with_monthly_contracts_to_charge_runs_its_steps_one_after_another(
    time_machine, monkeypatch
):
    """A child studies with two providers, both paid monthly: each step would charge the
    child's certificate (locked by the ledger until the step commits) before waiting for the
    step before it, so side by side the two could wait for each other for ever. The close
    runs its steps one after another and bills both."""
    world, contract, operator = monthly_scene(time_machine)
    provider, admin, teacher = provider_make(world.municipality)
    application = enrollment_services.application_submit(
        parent=world.parent,
        child_id=world.child.pk,
        group_id=group_make(program_make(provider), teacher).pk,
    )
    enrollment_services.application_accept(actor=admin, application=application)
    other = enrollment_services.contract_accept(parent=world.parent, application=application)
    assert other.billing_regime == contract.billing_regime == BillingRegime.MONTHLY
    seen = _steps_seen(monkeypatch)
    time_machine.move_to(at(5, 11), tick=False)
    closed: list[MonthClosure] = []

    def run() -> None:
        try:
            closed.append(
                month_close(
                    actor=operator, municipality=world.municipality, month=OCTOBER, documents=False
                )
            )
        finally:
            connection.close()

    close = threading.Thread(target=run)
    close.start()
    close.join(timeout=60)

    assert not close.is_alive(), "the close hangs"
    assert closed and closed[0].status == MonthClosureStatus.CLOSED
    assert len({thread for thread, _ in seen}) == 1  # one step after another, on one thread
    assert Invoice.objects.count() == 2
    assert Charge.objects.filter(month=OCTOBER).count() == 2  # each contract's month charged
    assert all(result.ok for result in ledger_audit())
