"""The ledger: the only code that writes accounts, holds and transfers.

Guarantees, each backed by the database as well as by this code:

* double entry — a transfer moves one amount from a debit account to a credit account, so the
  sum of (credits − debits) over all accounts is always zero;
* no overdraft — an account flagged `debits_must_not_exceed_credits` (certificates, budgets,
  provider payables) never has pending plus posted debits above its posted credits; the
  conditional UPDATE refuses it and a CHECK constraint is the backstop;
* idempotency — every transfer carries a key derived from its cause; the same key with the same
  content returns the original transfer, with different content it raises
  `IdempotencyConflict`; a unique index makes a concurrent retry lose cleanly;
* append-only — transfers are never changed; a mistake is undone by `transfer_reverse`, at most
  once per transfer (unique `reverses`).

Callers run these functions inside their own `transaction.atomic(durable=True)` entry point;
each function also opens a savepoint so that a refused transfer leaves nothing behind.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from kruzhok.catalog.models import Provider
from kruzhok.certificates.models import (
    Account,
    AccountKind,
    Certificate,
    FinancingProgram,
    Hold,
    Transfer,
    TransferKind,
)
from kruzhok.common.models import Municipality


class LedgerError(Exception):
    """A refused money movement; `str(error)` is a Russian message fit for a person."""


class InsufficientFunds(LedgerError):
    pass


class IdempotencyConflict(LedgerError):
    pass


class HoldExceeded(LedgerError):
    pass


# --- accounts ---------------------------------------------------------------------------------


def treasury_account(*, municipality: Municipality) -> Account:
    """The outside source of a municipality's money: the only account allowed below zero."""
    account, _ = Account.objects.get_or_create(
        kind=AccountKind.TREASURY,
        municipality=municipality,
        defaults={"debits_must_not_exceed_credits": False},
    )
    return account


def budget_account(*, financing_program: FinancingProgram) -> Account:
    account, _ = Account.objects.get_or_create(
        kind=AccountKind.BUDGET,
        financing_program=financing_program,
        defaults={"municipality_id": financing_program.municipality_id},
    )
    return account


def certificate_account(*, certificate: Certificate) -> Account:
    account, _ = Account.objects.get_or_create(
        kind=AccountKind.CERTIFICATE,
        certificate=certificate,
        defaults={"municipality_id": certificate.municipality_id},
    )
    return account


def provider_account(*, provider: Provider, kind: AccountKind) -> Account:
    if kind not in (AccountKind.PROVIDER_PAYABLE, AccountKind.PROVIDER_PAID):
        raise ValueError(f"not a provider account kind: {kind}")
    account, _ = Account.objects.get_or_create(
        kind=kind, provider=provider, defaults={"municipality_id": provider.municipality_id}
    )
    return account


# --- the one place that moves totals -----------------------------------------------------------

_Deltas = Mapping[str, int]


@dataclass(frozen=True)
class _Effect:
    debit: _Deltas
    credit: _Deltas
    hold_posted: int = 0
    hold_voided: int = 0

    def reversed(self) -> "_Effect":
        """The effect of the correcting transfer, whose debit side is the original credit side."""
        return _Effect(
            debit={k: -v for k, v in self.credit.items()},
            credit={k: -v for k, v in self.debit.items()},
            hold_posted=-self.hold_posted,
            hold_voided=-self.hold_voided,
        )


def _effect(transfer: Transfer) -> _Effect:
    a = transfer.amount
    kind = transfer.kind
    if kind in (TransferKind.FUND, TransferKind.CREDIT, TransferKind.EXPIRE, TransferKind.PAY):
        return _Effect(debit={"debits_posted": a}, credit={"credits_posted": a})
    if kind == TransferKind.HOLD:
        return _Effect(debit={"debits_pending": a}, credit={"credits_pending": a})
    if kind == TransferKind.POST:
        return _Effect(
            debit={"debits_pending": -a, "debits_posted": a},
            credit={"credits_pending": -a, "credits_posted": a},
            hold_posted=a,
        )
    if kind == TransferKind.VOID:
        return _Effect(debit={"debits_pending": -a}, credit={"credits_pending": -a}, hold_voided=a)
    if kind == TransferKind.REVERSE:
        assert transfer.reverses is not None
        return _effect(transfer.reverses).reversed()
    raise ValueError(f"unknown transfer kind {kind}")


def transfer_effect_on(transfer: Transfer, account_id: int) -> _Deltas:
    """How a transfer moved one account's totals (for audits that recompute balances)."""
    effect = _effect(transfer)
    if account_id == transfer.debit_account_id:
        return effect.debit
    if account_id == transfer.credit_account_id:
        return effect.credit
    return {}


def _apply_to_account(account_id: int, deltas: _Deltas) -> bool:
    """Conditional UPDATE: applies the deltas only if no total goes below zero and, for a
    guarded account, debits stay within credits. Returns False when refused."""
    condition = Q(pk=account_id)
    for column, delta in deltas.items():
        if delta < 0:
            condition &= Q(**{f"{column}__gte": -delta})
    needed = (
        deltas.get("debits_posted", 0)
        + deltas.get("debits_pending", 0)
        - deltas.get("credits_posted", 0)
    )
    condition &= Q(debits_must_not_exceed_credits=False) | Q(
        credits_posted__gte=F("debits_posted") + F("debits_pending") + needed
    )
    updates = {column: F(column) + delta for column, delta in deltas.items() if delta}
    return Account.objects.filter(condition).update(**updates) == 1


def _apply(transfer: Transfer) -> None:
    effect = _effect(transfer)
    if transfer.hold_id is not None and (effect.hold_posted or effect.hold_voided):
        hold_condition = Q(pk=transfer.hold_id) & Q(
            amount__gte=F("posted") + F("voided") + effect.hold_posted + effect.hold_voided
        )
        if effect.hold_posted < 0:
            hold_condition &= Q(posted__gte=-effect.hold_posted)
        if effect.hold_voided < 0:
            hold_condition &= Q(voided__gte=-effect.hold_voided)
        changed = Hold.objects.filter(hold_condition).update(
            posted=F("posted") + effect.hold_posted, voided=F("voided") + effect.hold_voided
        )
        if changed != 1:
            raise HoldExceeded("Сумма превышает остаток резерва по договору.")
    # Lock accounts in primary-key order so that concurrent transfers never deadlock.
    sides = sorted(
        [(transfer.debit_account_id, effect.debit), (transfer.credit_account_id, effect.credit)]
    )
    for account_id, deltas in sides:
        if not _apply_to_account(account_id, deltas):
            raise InsufficientFunds(_insufficient_message(account_id))


def _insufficient_message(account_id: int) -> str:
    kind = Account.objects.values_list("kind", flat=True).get(pk=account_id)
    if kind == AccountKind.CERTIFICATE:
        return "На сертификате недостаточно свободных средств для этой операции."
    if kind == AccountKind.BUDGET:
        return "Средства программы персонифицированного финансирования исчерпаны."
    return "Недостаточно средств на счёте для этой операции."


def _same_content(existing: Transfer, proposed: Transfer) -> bool:
    return (
        existing.kind == proposed.kind
        and existing.debit_account_id == proposed.debit_account_id
        and existing.credit_account_id == proposed.credit_account_id
        and existing.amount == proposed.amount
        and existing.hold_id == proposed.hold_id
        and existing.reverses_id == proposed.reverses_id
    )


def _existing(proposed: Transfer) -> Transfer | None:
    existing = Transfer.objects.filter(idempotency_key=proposed.idempotency_key).first()
    if existing is None:
        return None
    if not _same_content(existing, proposed):
        raise IdempotencyConflict(
            "Операция с этим ключом уже проведена с другими данными "
            f"({proposed.idempotency_key}); повтор отклонён."
        )
    return existing


def _record(proposed: Transfer) -> Transfer:
    """Insert and apply a transfer once per idempotency key."""
    if proposed.amount <= 0:
        raise LedgerError("Сумма операции должна быть больше нуля.")
    existing = _existing(proposed)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            proposed.save(force_insert=True)
            _apply(proposed)
    except IntegrityError:
        # A concurrent retry with the same key committed first: return its result.
        existing = _existing(proposed)
        if existing is not None:
            return existing
        # A concurrent reversal of the same transfer under another key committed first.
        if proposed.reverses_id is not None and (
            Transfer.objects.filter(reverses_id=proposed.reverses_id).exists()
        ):
            raise LedgerError("Операция уже сторнирована.") from None
        raise
    return proposed


# --- transfers ---------------------------------------------------------------------------------


def transfer_fund(*, financing_program: FinancingProgram, amount: int, key: str) -> Transfer:
    """Put money into a financing program's budget from the municipality's treasury."""
    return _record(
        Transfer(
            kind=TransferKind.FUND,
            debit_account=treasury_account(municipality=financing_program.municipality),
            credit_account=budget_account(financing_program=financing_program),
            amount=amount,
            idempotency_key=key,
            description=f"Бюджет: {financing_program.title}",
        )
    )


def transfer_credit(
    *, financing_program: FinancingProgram, certificate: Certificate, amount: int, key: str
) -> Transfer:
    """Credit a nominal from the program's budget to a certificate; refused past the budget."""
    return _record(
        Transfer(
            kind=TransferKind.CREDIT,
            debit_account=budget_account(financing_program=financing_program),
            credit_account=certificate_account(certificate=certificate),
            amount=amount,
            idempotency_key=key,
            description="Зачисление номинала сертификата",
        )
    )


def hold_create(
    *, certificate: Certificate, provider: Provider, amount: int, cause: str, key: str
) -> Hold:
    """Reserve money of a certificate for a contract with a provider, once per cause.

    A retry with the same cause and key returns the same hold; the same cause with another
    amount, account or key raises `IdempotencyConflict` (it would otherwise reserve twice).
    """
    debit = certificate_account(certificate=certificate)
    credit = provider_account(provider=provider, kind=AccountKind.PROVIDER_PAYABLE)
    with transaction.atomic():
        hold = Hold.objects.filter(cause=cause).first()
        if hold is None:
            try:
                with transaction.atomic():
                    hold = Hold.objects.create(
                        debit_account=debit, credit_account=credit, amount=amount, cause=cause
                    )
            except IntegrityError:
                # A concurrent call with the same cause committed first.
                hold = Hold.objects.filter(cause=cause).first()
                if hold is None:
                    raise
        if (
            hold.amount != amount
            or hold.debit_account_id != debit.pk
            or hold.credit_account_id != credit.pk
        ):
            raise IdempotencyConflict(f"Резерв «{cause}» уже создан с другими данными.")
        reserved_by = (
            Transfer.objects.filter(hold=hold, kind=TransferKind.HOLD)
            .values_list("idempotency_key", flat=True)
            .first()
        )
        if reserved_by is not None and reserved_by != key:
            raise IdempotencyConflict(
                f"Резерв «{cause}» уже создан операцией {reserved_by}; повтор с ключом {key} "
                "отклонён."
            )
        _record(
            Transfer(
                kind=TransferKind.HOLD,
                debit_account=debit,
                credit_account=credit,
                amount=amount,
                hold=hold,
                idempotency_key=key,
                description="Резерв средств по договору",
            )
        )
    return hold


def hold_post(*, hold: Hold, amount: int, key: str, description: str = "") -> Transfer:
    """Charge part of a hold: the money moves from reserved to spent."""
    return _record(
        Transfer(
            kind=TransferKind.POST,
            debit_account_id=hold.debit_account_id,
            credit_account_id=hold.credit_account_id,
            amount=amount,
            hold=hold,
            idempotency_key=key,
            description=description or "Списание за занятия",
        )
    )


def hold_void(*, hold: Hold, key: str, amount: int | None = None) -> Transfer | None:
    """Release what is left of a hold (or the given part). None when nothing is left."""
    existing = Transfer.objects.filter(idempotency_key=key).first()
    if existing is not None and amount is None:
        amount = existing.amount
    if amount is None:
        hold.refresh_from_db()
        amount = hold.remaining
    if amount == 0:
        return None
    return _record(
        Transfer(
            kind=TransferKind.VOID,
            debit_account_id=hold.debit_account_id,
            credit_account_id=hold.credit_account_id,
            amount=amount,
            hold=hold,
            idempotency_key=key,
            description="Снятие резерва",
        )
    )


def transfer_expire(
    *, certificate: Certificate, financing_program: FinancingProgram, amount: int, key: str
) -> Transfer:
    """Return a certificate's unused balance to the budget at the end of a period."""
    return _record(
        Transfer(
            kind=TransferKind.EXPIRE,
            debit_account=certificate_account(certificate=certificate),
            credit_account=budget_account(financing_program=financing_program),
            amount=amount,
            idempotency_key=key,
            description="Возврат неиспользованного остатка по окончании периода",
        )
    )


def transfer_pay(*, provider: Provider, amount: int, key: str, description: str = "") -> Transfer:
    """Mark money owed to a provider as paid."""
    return _record(
        Transfer(
            kind=TransferKind.PAY,
            debit_account=provider_account(provider=provider, kind=AccountKind.PROVIDER_PAYABLE),
            credit_account=provider_account(provider=provider, kind=AccountKind.PROVIDER_PAID),
            amount=amount,
            idempotency_key=key,
            description=description or "Оплата поставщику",
        )
    )


def transfer_reverse(*, transfer: Transfer, key: str, description: str = "") -> Transfer:
    """Undo an earlier transfer exactly, at most once. A hold is released with `hold_void`."""
    if transfer.kind in (TransferKind.HOLD, TransferKind.REVERSE):
        raise LedgerError("Эту операцию нельзя сторнировать.")
    existing_reversal = Transfer.objects.filter(reverses=transfer).first()
    if existing_reversal is not None and existing_reversal.idempotency_key != key:
        raise LedgerError("Операция уже сторнирована.")
    return _record(
        Transfer(
            kind=TransferKind.REVERSE,
            debit_account_id=transfer.credit_account_id,
            credit_account_id=transfer.debit_account_id,
            amount=transfer.amount,
            hold_id=transfer.hold_id,
            reverses=transfer,
            idempotency_key=key,
            description=description or f"Сторно: {transfer.get_kind_display().lower()}",
        )
    )
