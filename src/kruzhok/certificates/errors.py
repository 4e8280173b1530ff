"""What the ledger refuses. Every refusal carries a Russian message fit for a person, so that
each workflow that moves money can pass it on instead of failing with a server error."""


class LedgerError(Exception):
    """A refused money movement; `str(error)` is a Russian message fit for a person."""


class InsufficientFunds(LedgerError):
    pass


class IdempotencyConflict(LedgerError):
    pass


class HoldExceeded(LedgerError):
    pass
