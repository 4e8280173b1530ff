"""Billing's writes. The month close is in `month_close` (its provider's step in
`provider_invoice`) and the period close in `periods` (each a workflow of its own); they are
re-exported here for the callers that use services."""

from kruzhok.billing.month_close import (
    month_close,
    month_close_run,
    month_close_start,
    month_hold_open,
    month_is_closed,
)
from kruzhok.billing.provider_invoice import MonthCloseError, provider_invoice_issue

__all__ = [
    "MonthCloseError",
    "month_close",
    "month_close_run",
    "month_close_start",
    "month_hold_open",
    "month_is_closed",
    "provider_invoice_issue",
]
