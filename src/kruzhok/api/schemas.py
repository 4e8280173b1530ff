"""Shapes shared by every resource: money, pages, tombstones."""

import datetime
from typing import Literal

from ninja import Schema


class Money(Schema):
    """An amount in kopecks (integer) with its currency: 169_01 is 169,01 ₽."""

    amount: int
    currency: Literal["RUB"] = "RUB"


def money(kopecks: int) -> Money:
    return Money(amount=int(kopecks))


class TombstoneOut(Schema):
    id: int
    deleted_at: datetime.datetime


class Created(Schema):
    id: int
