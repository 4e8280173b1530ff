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

Only the certificates app calls these functions: other apps move money through the domain's
services in `certificates.services` (reserve a contract, charge a lesson, release a reserve,
expire a period, pay a provider), which also own every idempotency-key format. Every call
runs inside an entry point's `transaction.atomic(durable=True)` — the functions that move
money refuse to run otherwise — and opens a savepoint so that a refused transfer leaves
nothing behind.

The hot path is plain parameterised SQL built once per database vendor (`ledger_sql`), not ORM
query building, which cost about twenty times the database's own work per transfer. A transfer is
one savepoint holding: the INSERT of the transfer, which decides idempotency by itself
(`ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`; only when it inserts nothing is the
existing row read and compared), then one conditional UPDATE per row — the hold, then both
accounts in primary-key order — that moves the totals or refuses (and the savepoint is rolled
back). These are the statements the ORM issued, with the same conditions, under the same CHECK
constraints and trigger, naming every table and column from the models' metadata. Accounts are
found by id (a hold carries its two), or with one indexed ORM query by owner; `get_or_create`
runs only the first time an account is needed. A row the INSERT made is handed back as the
ORM would load it (`Model.from_db`).
"""

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kruzhok.certificates import ledger_sql as sql
from kruzhok.certificates.errors import (
    HoldExceeded,
    IdempotencyConflict,
    InsufficientFunds,
    LedgerError,
)
from kruzhok.certificates.ledger_accounts import (
    account_id_for_budget,
    account_id_for_certificate,
    account_id_for_provider,
    budget_account,
    treasury_account,
)
from kruzhok.certificates.models import (
    Account,
    AccountKind,
    Certificate,
    FinancingProgram,
    Hold,
    Transfer,
    TransferKind,
)
from kruzhok.providers.models import Provider

_F = TypeVar("_F", bound=Callable[..., Any])
_M = TypeVar("_M", Hold, Transfer)


def _durable_only(function: _F) -> _F:
    """Refuse to move money outside an entry point's durable transaction (see below)."""

    @functools.wraps(function)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        _require_durable()
        return function(*args, **kwargs)

    return cast(_F, wrapped)


def _require_durable() -> None:
    """Refuse to move money outside an entry point's durable transaction.

    A money movement nested in a transaction that someone may still roll back could be undone
    after the caller believed it done (an e-mail sent, a page shown); `durable=True` makes
    that impossible. As in Django's own durable check, the transaction a test case wraps
    around a test stands in for the entry point's.
    """
    # Django's Atomic keeps both flags; the type stubs do not name them.
    blocks = [b for b in connection.atomic_blocks if not getattr(b, "_from_testcase", False)]
    if blocks and getattr(blocks[0], "durable", False):
        return
    if not blocks and connection.atomic_blocks:
        return
    raise RuntimeError(
        "Money moves only inside a transaction.atomic(durable=True) entry point; "
        "this call has none around it."
    )


# --- the one place that moves totals -----------------------------------------------------------

_Deltas = Mapping[str, int]
COLUMNS = ("debits_pending", "debits_posted", "credits_pending", "credits_posted")


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
    if kind in (
        TransferKind.FUND,
        TransferKind.DEFUND,
        TransferKind.CREDIT,
        TransferKind.EXPIRE,
        TransferKind.PAY,
        TransferKind.ADVANCE,
        TransferKind.NET,
    ):
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


def _apply_to_account(cursor: Any, account_id: int, deltas: _Deltas) -> bool:
    """The conditional UPDATE of one account's totals; False when refused."""
    columns = tuple(c for c in COLUMNS if deltas.get(c))
    values = [deltas[c] for c in columns]
    needed = (
        deltas.get("debits_posted", 0)
        + deltas.get("debits_pending", 0)
        - deltas.get("credits_posted", 0)
    )
    cursor.execute(
        sql.update_account(connection.vendor, columns), [*values, account_id, *values, needed]
    )
    return bool(cursor.rowcount == 1)


def _apply(cursor: Any, transfer: Transfer, effect: _Effect) -> None:
    if transfer.hold_id is not None and (effect.hold_posted or effect.hold_voided):
        posted, voided = effect.hold_posted, effect.hold_voided
        cursor.execute(
            sql.update_hold(connection.vendor),
            [posted, voided, transfer.hold_id, posted + voided, posted, voided],
        )
        if cursor.rowcount != 1:
            raise HoldExceeded("Сумма превышает остаток резерва по договору.")
    # Lock accounts in primary-key order so that concurrent transfers never deadlock.
    sides = sorted(
        [(transfer.debit_account_id, effect.debit), (transfer.credit_account_id, effect.credit)]
    )
    for account_id, deltas in sides:
        if not _apply_to_account(cursor, account_id, deltas):
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


def _returned_id(cursor: Any, sql: str, params: Sequence[Any]) -> int | None:
    """Run an INSERT … ON CONFLICT DO NOTHING RETURNING id: the new id, or None on conflict."""
    cursor.execute(sql, params)
    rows = cursor.fetchall()  # to the end: SQLite finishes a RETURNING statement only then
    return int(rows[0][0]) if rows else None


def _as_saved(instance: _M, pk: int) -> _M:
    """The row an INSERT we ran made, as the ORM would have loaded it (`Model.from_db`)."""
    fields = instance._meta.concrete_fields
    values = [pk if field.primary_key else getattr(instance, field.attname) for field in fields]
    return type(instance).from_db(connection.alias, [f.attname for f in fields], values)


def _record(proposed: Transfer) -> Transfer:
    """Insert and apply a transfer once per idempotency key.

    The INSERT decides: a new key inserts the row and its effect is applied in the same
    savepoint (a refusal rolls both back); a known key inserts nothing, and the existing
    transfer is returned if its content is the same, `IdempotencyConflict` raised if not.
    """
    if proposed.amount <= 0:
        raise LedgerError("Сумма операции должна быть больше нуля.")
    effect = _effect(proposed)
    proposed.created_at = timezone.now()
    params = [
        proposed.kind,
        proposed.debit_account_id,
        proposed.credit_account_id,
        proposed.amount,
        proposed.hold_id,
        proposed.reverses_id,
        proposed.idempotency_key,
        proposed.description,
        connection.ops.adapt_datetimefield_value(proposed.created_at),
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            pk = _returned_id(cursor, sql.insert_transfer(connection.vendor), params)
            if pk is not None:
                _apply(cursor, proposed, effect)
    except IntegrityError:
        # Another unique index than the key's: a concurrent reversal of the same transfer
        # under another key committed first (or a constraint the conditions above missed).
        if proposed.reverses_id is not None and (
            Transfer.objects.filter(reverses_id=proposed.reverses_id).exists()
        ):
            raise LedgerError("Операция уже сторнирована.") from None
        raise
    if pk is None:
        # The key is taken (a retry, or a concurrent one that committed first).
        existing = _existing(proposed)
        if existing is None:  # pragma: no cover - transfers are never deleted
            raise LedgerError(f"Операция {proposed.idempotency_key} не найдена; повторите.")
        return existing
    return _as_saved(proposed, pk)


# --- transfers ---------------------------------------------------------------------------------


@_durable_only
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


@_durable_only
def transfer_defund(*, financing_program: FinancingProgram, amount: int, key: str) -> Transfer:
    """Give part of a financing program's budget back to the treasury (the budget cap was
    lowered); refused past what the budget still holds, so money credited stays credited."""
    return _record(
        Transfer(
            kind=TransferKind.DEFUND,
            debit_account_id=account_id_for_budget(financing_program),
            credit_account=treasury_account(municipality=financing_program.municipality),
            amount=amount,
            idempotency_key=key,
            description=f"Сокращение бюджета: {financing_program.title}",
        )
    )


@_durable_only
def transfer_credit(
    *, financing_program: FinancingProgram, certificate: Certificate, amount: int, key: str
) -> Transfer:
    """Credit a nominal from the program's budget to a certificate; refused past the budget."""
    return _record(
        Transfer(
            kind=TransferKind.CREDIT,
            debit_account_id=account_id_for_budget(financing_program),
            credit_account_id=account_id_for_certificate(certificate),
            amount=amount,
            idempotency_key=key,
            description="Зачисление номинала сертификата",
        )
    )


@_durable_only
def hold_create(
    *, certificate: Certificate, provider: Provider, amount: int, cause: str, key: str
) -> Hold:
    """Reserve money of a certificate for a contract with a provider, once per cause.

    A retry with the same cause and key returns the same hold; the same cause with another
    amount, account or key raises `IdempotencyConflict` (it would otherwise reserve twice).
    """
    debit_id = account_id_for_certificate(certificate)
    credit_id = account_id_for_provider(provider, AccountKind.PROVIDER_PAYABLE)
    now = timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            hold_id = _returned_id(
                cursor,
                sql.insert_hold(connection.vendor),
                [debit_id, credit_id, amount, cause, connection.ops.adapt_datetimefield_value(now)],
            )
        if hold_id is not None:
            hold = _as_saved(
                Hold(
                    debit_account_id=debit_id,
                    credit_account_id=credit_id,
                    amount=amount,
                    cause=cause,
                    created_at=now,
                ),
                hold_id,
            )
        else:
            # The cause is known (a retry, or a concurrent call that committed first).
            hold = Hold.objects.get(cause=cause)
            if (
                hold.amount != amount
                or hold.debit_account_id != debit_id
                or hold.credit_account_id != credit_id
            ):
                raise IdempotencyConflict(f"Резерв «{cause}» уже создан с другими данными.")
            reserved_by = (
                Transfer.objects.filter(hold=hold, kind=TransferKind.HOLD)
                .values_list("idempotency_key", flat=True)
                .first()
            )
            if reserved_by is not None and reserved_by != key:
                raise IdempotencyConflict(
                    f"Резерв «{cause}» уже создан операцией {reserved_by}; повтор с ключом "
                    f"{key} отклонён."
                )
        _record(
            Transfer(
                kind=TransferKind.HOLD,
                debit_account_id=debit_id,
                credit_account_id=credit_id,
                amount=amount,
                hold=hold,
                idempotency_key=key,
                description="Резерв средств по договору",
            )
        )
    return hold


@_durable_only
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


@_durable_only
def hold_void(*, hold: Hold, key: str, amount: int | None = None) -> Transfer | None:
    """Release what is left of a hold (or the given part). None when nothing is left."""
    if amount is None:
        # A retry releases what the first call released, not what is left now.
        amount = (
            Transfer.objects.filter(idempotency_key=key).values_list("amount", flat=True).first()
        )
    if amount is None:
        hold.refresh_from_db(fields=["amount", "posted", "voided"])
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


@_durable_only
def transfer_expire(
    *, certificate: Certificate, financing_program: FinancingProgram, amount: int, key: str
) -> Transfer:
    """Return a certificate's unused balance to the budget at the end of a period."""
    return _record(
        Transfer(
            kind=TransferKind.EXPIRE,
            debit_account_id=account_id_for_certificate(certificate),
            credit_account_id=account_id_for_budget(financing_program),
            amount=amount,
            idempotency_key=key,
            description="Возврат неиспользованного остатка по окончании периода",
        )
    )


@_durable_only
def transfer_pay(*, provider: Provider, amount: int, key: str, description: str = "") -> Transfer:
    """Mark money owed to a provider as paid."""
    return _record(
        Transfer(
            kind=TransferKind.PAY,
            debit_account_id=account_id_for_provider(provider, AccountKind.PROVIDER_PAYABLE),
            credit_account_id=account_id_for_provider(provider, AccountKind.PROVIDER_PAID),
            amount=amount,
            idempotency_key=key,
            description=description or "Оплата поставщику",
        )
    )


@_durable_only
def transfer_advance(
    *, provider: Provider, amount: int, key: str, description: str = ""
) -> Transfer:
    """Pay a provider ahead of the month's invoice: from its advance account (which goes below
    zero: work not yet done) to paid."""
    return _record(
        Transfer(
            kind=TransferKind.ADVANCE,
            debit_account_id=account_id_for_provider(provider, AccountKind.PROVIDER_ADVANCE),
            credit_account_id=account_id_for_provider(provider, AccountKind.PROVIDER_PAID),
            amount=amount,
            idempotency_key=key,
            description=description or "Аванс поставщику",
        )
    )


@_durable_only
def transfer_net(*, provider: Provider, amount: int, key: str, description: str = "") -> Transfer:
    """Net an advance off money owed to the provider: from payable back to the advance
    account. Refused past what is owed (the payable's guard) or past the advances paid (a
    CHECK constraint of the advance account)."""
    return _record(
        Transfer(
            kind=TransferKind.NET,
            debit_account_id=account_id_for_provider(provider, AccountKind.PROVIDER_PAYABLE),
            credit_account_id=account_id_for_provider(provider, AccountKind.PROVIDER_ADVANCE),
            amount=amount,
            idempotency_key=key,
            description=description or "Зачёт аванса",
        )
    )


@_durable_only
def transfer_reverse(*, transfer: Transfer, key: str, description: str = "") -> Transfer:
    """Undo an earlier transfer exactly, at most once. A hold is released with `hold_void`.

    A second reversal under another key is refused by the unique `reverses` index (the
    INSERT fails) with «Операция уже сторнирована»; under the same key it is a retry."""
    if transfer.kind in (TransferKind.HOLD, TransferKind.REVERSE):
        raise LedgerError("Эту операцию нельзя сторнировать.")
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
