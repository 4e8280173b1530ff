"""The preview of a period's close: what it would do, computed by hand and held equal to what
the close then does, to the kopeck.

The scene (see period_scene): contracts are concluded on Thursday 15.10.2026, and the preview
is read on 02.09.2027, the day after the period ended.

- Артём (the `used` contract): group until 24.12.2026, 21 lessons of 300 ₽ left, 6 300 ₽, all
  of it paid by the certificate and reserved; one lesson attended (300 ₽). The reserve keeps
  6 000 ₽, and 12 000 − 300 − 6 000 = 5 700 ₽ are available. The close releases 6 000 ₽ and
  returns 11 700 ₽ — what the budget put on the certificate less what the period's contract
  spent; his application finishes (the contract ended on 24.12.2026).
- Вера: group until 30.09.2027, its lessons cost more than the nominal, so the whole 12 000 ₽
  is reserved and nothing is available. The close releases 12 000 ₽ and returns 12 000 ₽; her
  application runs on until the contract's last day.
- Борис: a certificate funded without a contract: 12 000 ₽ available, all of it returned.

The close would release 2 reserves (18 000 ₽), return 35 700 ₽ from 3 certificates, set the 3
back to accounting status, finish 1 application and leave 1.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kruzhok.billing import periods
from kruzhok.billing.period_reads import (
    PeriodPreviewRow,
    period_close_preview,
    period_preview_rows,
)
from kruzhok.billing.periods import financing_period_close
from kruzhok.billing.tests.period_scene import (
    AFTER,
    audit_is_clean,
    enrol_next_year,
    move_to,
    next_program,
)
from kruzhok.certificates import services
from kruzhok.certificates.models import Certificate, CertificateStatus, Transfer, TransferKind
from kruzhok.certificates.tests.factories import certificate_fund_now
from kruzhok.enrollment.tests.world import child_make, contract_made, group_make
from kruzhok.families.models import Child


def _named(child: Child, last_name: str, first_name: str, patronymic: str) -> Child:
    Child.objects.filter(pk=child.pk).update(
        last_name=last_name, first_name=first_name, patronymic=patronymic
    )
    child.refresh_from_db()
    return child


@pytest.fixture
def scene(world, used):
    """The module's scene; returns the certificates by name."""
    vera = _named(child_make(world.parent), "Ершова", "Вера", "Павловна")
    long_group = group_make(
        world.program, world.teacher, start=used.start_date, end=datetime.date(2027, 9, 30)
    )
    vera_contract = contract_made(world, child=vera, group=long_group)
    boris = _named(child_make(world.parent), "Белов", "Борис", "")
    boris_certificate = certificate_fund_now(
        certificate=services.certificate_issue(child=boris), financing_program=world.financing
    )
    assert vera_contract.certificate_part == 12_000_00  # the contract costs more
    return {
        "artyom": used.certificate,
        "vera": vera_contract.certificate,
        "boris": boris_certificate,
    }


def test_the_preview_counts_what_the_close_will_do(world, scene, time_machine):
    move_to(time_machine, AFTER)

    preview = period_close_preview(financing_program=world.financing)

    assert (preview.holds, preview.released) == (2, 18_000_00)
    assert (preview.certificates_expiring, preview.expires) == (3, 35_700_00)
    assert preview.certificates_to_accounting == 3
    assert (preview.applications_to_finish, preview.applications_running_on) == (1, 1)
    rows = period_preview_rows(entries=preview.certificates)
    assert rows == sorted(
        [
            PeriodPreviewRow(
                number=scene["artyom"].number_display,
                child="Соколов А. И.",
                available=5_700_00,
                expires=11_700_00,
                released=6_000_00,
            ),
            PeriodPreviewRow(
                number=scene["vera"].number_display,
                child="Ершова В. П.",
                available=0,
                expires=12_000_00,
                released=12_000_00,
            ),
            PeriodPreviewRow(
                number=scene["boris"].number_display,
                child="Белов Б.",
                available=12_000_00,
                expires=12_000_00,
                released=0,
            ),
        ],
        key=lambda row: row.number,
    )


def test_the_preview_only_reads(world, scene, time_machine):
    move_to(time_machine, AFTER)
    with CaptureQueriesContext(connection) as queries:
        period_close_preview(financing_program=world.financing)
    statements = [q["sql"].lstrip().split(None, 1)[0].upper() for q in queries]
    assert statements and set(statements) == {"SELECT"}


def _what_the_close_did(program) -> dict[int, tuple[int, int, bool]]:
    """Per certificate: kopecks released from its reserves, kopecks returned, whether the
    close set it back to accounting status."""
    done: dict[int, list] = {}
    for transfer in Transfer.objects.filter(
        kind=TransferKind.VOID, idempotency_key__startswith=f"void:period:{program.pk}:"
    ).select_related("debit_account"):
        entry = done.setdefault(transfer.debit_account.certificate_id, [0, 0, False])
        entry[0] += transfer.amount
    for transfer in Transfer.objects.filter(
        kind=TransferKind.EXPIRE, idempotency_key__startswith=f"expire:{program.pk}:"
    ).select_related("debit_account"):
        entry = done.setdefault(transfer.debit_account.certificate_id, [0, 0, False])
        entry[1] += transfer.amount
    for pk in Certificate.objects.filter(
        status=CertificateStatus.ACCOUNTING, accounting_reason__startswith="Период"
    ).values_list("pk", flat=True):
        done.setdefault(pk, [0, 0, False])[2] = True
    return {pk: tuple(entry) for pk, entry in done.items()}


def test_the_preview_is_what_the_close_then_does_to_the_kopeck(world, scene, time_machine):
    # Артём is already funded for the next period too: that money is not this period's.
    following = next_program(world)
    move_to(time_machine, AFTER)
    enrol_next_year(world)
    assert Certificate.objects.get(pk=scene["artyom"].pk).financing_program == following

    preview = period_close_preview(financing_program=world.financing)
    report = financing_period_close(financing_program=world.financing, batch_size=2)

    assert (report.holds_voided, report.voided) == (preview.holds, preview.released)
    assert (report.certificates_expired, report.expired) == (
        preview.certificates_expiring,
        preview.expires,
    )
    assert report.certificates_to_accounting == preview.certificates_to_accounting
    assert report.applications_finished == preview.applications_to_finish
    assert len(report.applications_left) == preview.applications_running_on
    assert _what_the_close_did(world.financing) == {
        end.certificate_id: (end.released, end.expires, end.to_accounting)
        for end in preview.certificates
    }
    # Артём keeps his new nominal; only the old period's money went back.
    artyom = next(e for e in preview.certificates if e.certificate_id == scene["artyom"].pk)
    assert (artyom.expires, artyom.to_accounting) == (11_700_00, False)
    assert audit_is_clean()
    # And once closed, there is nothing left to preview.
    after = period_close_preview(financing_program=world.financing)
    assert after.certificates == [] and after.applications_to_finish == 0


def test_after_a_close_that_stopped_midway_the_preview_is_what_is_left(
    world, scene, time_machine, monkeypatch
):
    move_to(time_machine, AFTER)
    real = periods.period_batch_close
    calls = []

    def fails_on_the_second_batch(**kwargs):
        calls.append(kwargs["certificate_ids"])
        if len(calls) == 2:
            raise RuntimeError("the worker was killed")
        return real(**kwargs)

    monkeypatch.setattr(periods, "period_batch_close", fails_on_the_second_batch)
    with pytest.raises(RuntimeError):
        financing_period_close(financing_program=world.financing, batch_size=1)
    monkeypatch.setattr(periods, "period_batch_close", real)
    first = calls[0][0]

    preview = period_close_preview(financing_program=world.financing)
    assert first not in {end.certificate_id for end in preview.certificates}
    assert len(preview.certificates) == 2
    report = financing_period_close(financing_program=world.financing)

    assert (report.holds_voided, report.voided) == (preview.holds, preview.released)
    assert (report.certificates_expired, report.expired) == (
        preview.certificates_expiring,
        preview.expires,
    )
    assert report.certificates_to_accounting == preview.certificates_to_accounting
    assert audit_is_clean()
