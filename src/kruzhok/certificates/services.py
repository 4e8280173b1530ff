"""Certificates: issuing, numbering and funding, and the one door through which other apps move
money: reserving a contract's part, charging a lesson, reversing a charge, releasing a reserve,
paying a provider (the period's end is `certificates.period_end`).

Only this app imports the ledger. The services below speak the domain's words, derive every
idempotency key from the cause they are given (no other app builds one), and run inside the
caller's durable transaction (the ledger refuses otherwise); a refusal is a `LedgerError`
subclass whose message a person can read.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kruzhok.certificates import financing_reads, ledger, ledger_accounts
from kruzhok.certificates.errors import InsufficientFunds, LedgerError
from kruzhok.certificates.financing import (
    FinancingRules,
    financing_changes_apply,
    financing_program_make,
)
from kruzhok.certificates.models import (
    BillingRegime,
    Certificate,
    CertificateReach,
    CertificateStatus,
    FinancingProgram,
    Hold,
    Transfer,
    TransferKind,
)
from kruzhok.common.models import Municipality
from kruzhok.common.services import sequence_next
from kruzhok.common.validators import luhn_check_digit
from kruzhok.families.models import Child
from kruzhok.providers.models import Provider

# What the parent reads in the cabinet once the period that funded the certificate is over.
PERIOD_CLOSED_REASON = (
    "Период финансирования завершён ({program.period_start:%d.%m.%Y}–"
    "{program.period_end:%d.%m.%Y}): неиспользованный остаток сертификата возвращён в бюджет, "
    "резервы по договорам этого периода сняты. Новый номинал будет зачислен при следующей "
    "записи по сертификату, если позволят лимит сертификатов и средства нового периода."
)


def certificate_number_make(*, region_code: str, sequence: int) -> str:
    """Region code (2) + sequence (8) + Luhn check digit over the first ten digits."""
    if not (len(region_code) == 2 and region_code.isdigit()):
        raise ValueError(f"bad region code {region_code!r}")
    if not 0 < sequence < 10**8:
        raise ValueError(f"certificate sequence out of range: {sequence}")
    body = f"{region_code}{sequence:08d}"
    return f"{body}{luhn_check_digit(body)}"


@transaction.atomic
def certificate_issue(*, child: Child) -> Certificate:
    """The child's certificate, issued once (a second call returns the same one)."""
    # Lock the child so that two concurrent first enrolments issue one certificate, not an
    # IntegrityError for the second (SQLite serialises writers anyway).
    list(Child.objects.select_for_update(no_key=True).filter(pk=child.pk).values_list("pk"))
    existing = Certificate.objects.filter(child=child).first()
    if existing is not None:
        return existing
    region_code = settings.KRUZHOK_REGION_CODE
    number = certificate_number_make(
        region_code=region_code, sequence=sequence_next(name=f"certificate:{region_code}")
    )
    certificate = Certificate.objects.create(
        child=child,
        number=number,
        municipality_id=child.municipality_id,
        status=CertificateStatus.ACCOUNTING,
    )
    ledger_accounts.certificate_account(certificate=certificate)
    return certificate


def financing_program_current(
    *, municipality: Municipality | int, day: datetime.date
) -> FinancingProgram | None:
    return financing_reads.financing_programs_in_force(municipality=municipality, day=day).first()


@transaction.atomic(durable=True)
def financing_program_create(
    *,
    municipality: Municipality,
    title: str,
    period_start: datetime.date,
    period_end: datetime.date,
    max_funded_certificates: int,
    budget_cap: int,
    nominal_bands: list[tuple[int, int, int]],
    max_programs_per_child: int = 3,
    billing_regime: str = BillingRegime.PER_LESSON,
    certificate_reach: str = CertificateReach.REGION,
) -> FinancingProgram:
    """Create a financing program, its nominal bands, and fund its budget to the cap, in one
    durable transaction (an entry point: the budget's money moves here)."""
    return financing_program_make(
        municipality=municipality,
        rules=FinancingRules(
            title=title,
            period_start=period_start,
            period_end=period_end,
            bands=tuple(nominal_bands),
            max_funded_certificates=max_funded_certificates,
            budget_cap=budget_cap,
            max_programs_per_child=max_programs_per_child,
            billing_regime=billing_regime,
            advance_percent=0,
            certificate_reach=certificate_reach,
        ),
    )


def nominal_for(*, financing_program: FinancingProgram, child: Child) -> int | None:
    """The nominal for the child's age band (full years at the period start), if any."""
    age = child.age_on(financing_program.period_start)
    band = financing_program.nominal_bands.filter(age_min__lte=age, age_max__gte=age).first()
    return band.nominal if band else None


def certificate_fund(
    *, certificate: Certificate, financing_program: FinancingProgram
) -> Certificate:
    """Make the certificate funded for the period, if the quota and the budget allow.

    Otherwise it stays a certificate of accounting and `accounting_reason` says why. Funding
    happens at most once per certificate and period (the credit's idempotency key). Runs in
    the caller's durable transaction (a contract's acceptance).
    """
    # The row lock serialises concurrent funding of one certificate: without it both callers
    # would take a quota place and the second would get the first one's credit back.
    certificate = (
        Certificate.objects.select_for_update(no_key=True, of=("self",))
        .select_related("child")
        .get(pk=certificate.pk)
    )
    if (
        certificate.status == CertificateStatus.FUNDED
        and certificate.financing_program_id == financing_program.pk
    ):
        return certificate
    # A new nominal the operator set from a day that has come is in force before this funding.
    financing_changes_apply(day=timezone.localdate(), financing_program=financing_program)
    nominal = nominal_for(financing_program=financing_program, child=certificate.child)
    if nominal is None:
        return _left_for_accounting(
            certificate,
            "Возраст ребёнка на начало периода не входит ни в одну возрастную группу "
            "программы персонифицированного финансирования.",
        )
    refusal = _quota_place_take(financing_program)
    if refusal:
        return _left_for_accounting(certificate, refusal)
    try:
        with transaction.atomic():
            ledger.transfer_credit(
                financing_program=financing_program,
                certificate=certificate,
                amount=nominal,
                key=f"credit:{financing_program.pk}:{certificate.pk}",
            )
    except InsufficientFunds:
        FinancingProgram.objects.filter(pk=financing_program.pk).update(
            funded_count=F("funded_count") - 1
        )
        return _left_for_accounting(
            certificate,
            "Средства программы персонифицированного финансирования на этот период "
            "исчерпаны: сертификат действует как сертификат учёта.",
        )
    certificate.status = CertificateStatus.FUNDED
    certificate.financing_program = financing_program
    certificate.nominal = nominal
    certificate.valid_from = financing_program.period_start
    certificate.valid_to = financing_program.period_end
    certificate.accounting_reason = ""
    certificate.save(
        update_fields=[
            "status",
            "financing_program",
            "nominal",
            "valid_from",
            "valid_to",
            "accounting_reason",
        ]
    )
    return certificate


def _quota_place_take(financing_program: FinancingProgram) -> str:
    """Take a place of the period's quota of funded certificates; "" or why there is none.

    A closed period funds nobody: the condition is in the same UPDATE that takes the place,
    so funding and the period's close serialise on the program's row."""
    took = FinancingProgram.objects.filter(
        pk=financing_program.pk,
        closed_at__isnull=True,
        funded_count__lt=F("max_funded_certificates"),
    ).update(funded_count=F("funded_count") + 1)
    if took:
        return ""
    if FinancingProgram.objects.filter(pk=financing_program.pk, closed_at__isnull=False).exists():
        return PERIOD_CLOSED_REASON.format(program=financing_program)
    return (
        "Лимит сертификатов персонифицированного финансирования на этот период исчерпан: "
        "сертификат действует как сертификат учёта. Бесплатные (бюджетные) программы доступны "
        "по нему без ограничений."
    )


def _left_for_accounting(certificate: Certificate, reason: str) -> Certificate:
    certificate.accounting_reason = reason
    certificate.save(update_fields=["accounting_reason"])
    return certificate


# --- The money door ---------------------------------------------------------------------------


def certificate_share(*, value: int, certificate_part: int, total_cost: int) -> int:
    """What the certificate pays of `value` worth of a contract's lessons: the contract's split,
    rounded down, never past the certificate's part.

    Charged cumulatively — the certificate's share of one more lesson is this of the value so
    far minus what it was already charged — the amounts never drift from the split, and when
    every lesson has been attended they add up to the contract's parts to the kopeck.
    """
    if total_cost <= 0 or certificate_part <= 0:
        return 0
    return min(value, total_cost) * certificate_part // total_cost


def contract_reserve(
    *, certificate: Certificate, provider: Provider, contract_id: int, amount: int
) -> Hold:
    """Reserve the certificate's part of a contract with a provider, once per contract.

    Raises `InsufficientFunds` when the certificate no longer has that much available."""
    return ledger.hold_create(
        certificate=certificate,
        provider=provider,
        amount=amount,
        cause=f"contract:{contract_id}",
        key=f"hold:contract:{contract_id}",
    )


def lesson_charge_post(
    *,
    hold: Hold,
    lesson_id: int,
    lesson_date: datetime.date,
    child_id: int,
    attempt: int,
    amount: int,
) -> Transfer:
    """Charge the certificate's share of an attended lesson from the contract's reserve.

    `attempt` counts the earlier charges of the same lesson that were reversed (a mark taken
    back and set again), so that each charge has its own key and a retry of one moves money
    once. Raises `HoldExceeded` when the reserve is gone (its period was closed)."""
    return ledger.hold_post(
        hold=hold,
        amount=amount,
        key=f"attendance:{lesson_id}:{child_id}:{attempt}",
        description=f"Занятие {lesson_date:%d.%m.%Y}",
    )


def month_charge_post(
    *, hold: Hold, contract_id: int, month: datetime.date, attempt: int, amount: int
) -> Transfer:
    """Charge the certificate's share of a month of a contract paid monthly, from its reserve,
    once per contract, month and attempt (`attempt` counts earlier charges of the month that
    were reversed). Raises `HoldExceeded` when the reserve is gone."""
    return ledger.hold_post(
        hold=hold,
        amount=amount,
        key=f"month:{contract_id}:{month:%Y-%m}:{attempt}",
        description=f"Обучение за {month:%m.%Y}",
    )


def lesson_charge_reverse(*, transfer: Transfer, lesson_date: datetime.date) -> Transfer:
    """Give a lesson's charge back to the contract's reserve (the mark was taken back)."""
    return ledger.transfer_reverse(
        transfer=transfer,
        key=f"reverse:{transfer.idempotency_key}",
        description=f"Отмена отметки за {lesson_date:%d.%m.%Y}",
    )


def contract_release(*, hold: Hold, contract_id: int, amount: int) -> Transfer | None:
    """Release `amount` of a contract's reserve back to the certificate (a withdrawal), once
    per contract. Raises `HoldExceeded` when less than that is left (its period was closed
    meanwhile)."""
    return ledger.hold_void(hold=hold, key=f"void:contract:{contract_id}", amount=amount)


def provider_pay(*, provider: Provider, amount: int, cause: str, description: str = "") -> Transfer:
    """Move money owed to a provider to paid, once per cause (e.g. `invoice:17:order:42`).

    Raises `InsufficientFunds` when the provider is owed less than that."""
    return ledger.transfer_pay(
        provider=provider, amount=amount, key=f"pay:{cause}", description=description
    )


def provider_pay_reverse(*, cause: str, description: str = "") -> Transfer:
    """Take back a payment to a provider recorded under `cause` by mistake: the money goes
    from paid back to payable, exactly the amount paid, at most once (a second reversal is
    refused by the ledger, a retry of this one moves nothing).

    Raises `LedgerError` when no payment was recorded under the cause, or it is reversed
    already under another key."""
    transfer = Transfer.objects.filter(
        kind=TransferKind.PAY, idempotency_key=f"pay:{cause}"
    ).first()
    if transfer is None:
        raise LedgerError("Оплата поставщику по этому поручению в учёте не найдена.")
    return ledger.transfer_reverse(
        transfer=transfer,
        key=f"reverse:pay:{cause}",
        description=description or "Сторно оплаты поставщику",
    )


def provider_advance_pay(
    *, provider: Provider, amount: int, cause: str, description: str = ""
) -> Transfer:
    """Pay a provider an advance on a month's charges, once per cause (e.g. `advance:5`)."""
    return ledger.transfer_advance(
        provider=provider, amount=amount, key=f"advance:{cause}", description=description
    )


def provider_advance_net(
    *, provider: Provider, amount: int, cause: str, description: str = ""
) -> Transfer:
    """Net `amount` of the advances paid to a provider off what it is owed, once per cause
    (e.g. `invoice:17:advance:5`). Raises `InsufficientFunds` when it is owed less."""
    return ledger.transfer_net(
        provider=provider, amount=amount, key=f"net:{cause}", description=description
    )
