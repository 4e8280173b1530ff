"""Keyset pagination: a page ends with an opaque `next_cursor` that names the last row's sort
key; the next page starts strictly after it, so rows added or removed meanwhile neither
repeat nor vanish (as they would with an offset)."""

import base64
import binascii
import datetime
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from kruzhok.api.problems import ApiProblem

if TYPE_CHECKING:
    from django.db.models import QuerySet

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def cursor_encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime.datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def cursor_decode(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The sort key a cursor names, each part checked against `kinds`; 422 for anything that
    did not come from this API."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError
        parsed: list[Any] = []
        for value, kind in zip(values, kinds, strict=True):
            if kind is datetime.datetime:
                parsed.append(datetime.datetime.fromisoformat(value))
            elif (kind is int and isinstance(value, int) and not isinstance(value, bool)) or (
                kind is str and isinstance(value, str)
            ):
                parsed.append(value)
            else:
                raise ValueError
        return parsed
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ApiProblem(
            422,
            "Неверный cursor: передайте значение next_cursor из предыдущей страницы как есть.",
            errors=[("cursor", "Неверный курсор.")],
        ) from None


def after(fields: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows strictly after `values` in the order of `fields` (a «-» prefix: descending)."""
    condition = Q()
    for depth in range(len(fields) - 1, -1, -1):
        name = fields[depth]
        descending = name.startswith("-")
        column = name.lstrip("-")
        step = Q(**{f"{column}__{'lt' if descending else 'gt'}": values[depth]})
        for earlier in range(depth):
            step &= Q(**{fields[earlier].lstrip("-"): values[earlier]})
        condition |= step
    return condition


def keyset_page(
    rows: "QuerySet[Any]",
    *,
    order: Sequence[str],
    kinds: Sequence[type],
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    """One page of `rows` in `order` (its last field unique, e.g. the pk) after `cursor`, and
    the cursor of the next page (None after the last). `kinds` types each field of the key."""
    rows = rows.order_by(*order)
    if cursor:
        rows = rows.filter(after(order, cursor_decode(cursor, kinds)))
    page = list(rows[: limit + 1])
    if len(page) <= limit:
        return page, None
    page = page[:limit]
    return page, cursor_encode([getattr(page[-1], name.lstrip("-")) for name in order])
