"""Plain SQL for the few paths every rush click takes.

Building a query with the ORM costs about ten times what the database spends answering a
primary-key lookup. Where that matters — the submission of an application — the statements
are written by hand from the models' own metadata, and rows become instances through
Django's own `Model.from_db`. Both PostgreSQL and SQLite speak this dialect.
"""

import datetime
import functools
from typing import Any, TypeVar

from django.db import connection
from django.db.models import DateTimeField, Field, Model
from django.utils import timezone

M = TypeVar("M", bound=Model)


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], attname: str) -> str:
    """The quoted column of a field named by its attribute (`program_id` for `program`)."""
    field = model._meta.get_field(attname)
    assert isinstance(field, Field) and field.column
    return connection.ops.quote_name(field.column)


def columns(alias: str, model: type[Model], attnames: tuple[str, ...]) -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"{prefix}{column(model, name)}" for name in attnames)


def model_fields(model: type[Model], *names: str) -> tuple[str, ...]:
    """The named columns (all when none are named) in the model's own order, which
    `instance_from_row` expects."""
    return tuple(f.attname for f in model._meta.concrete_fields if not names or f.attname in names)


@functools.cache
def _timestamps(model: type[Model]) -> frozenset[str]:
    return frozenset(f.attname for f in model._meta.concrete_fields if isinstance(f, DateTimeField))


def constants(values: tuple[str, ...]) -> str:
    """A list of the models' own constants (say, the live statuses) to inline in an IN (…):
    never user input; inlined, they let the database plan a partial index."""
    return ", ".join(f"'{value}'" for value in values)


def for_update() -> str:
    """The row-lock clause, or nothing on SQLite, whose IMMEDIATE transactions already
    serialise writers."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def instance_from_row(model: type[M], fields: tuple[str, ...], values: list[Any]) -> M:
    """An instance as the ORM would load it; fields not read are loaded lazily on access.
    SQLite hands timestamps back naive (in UTC): they are made aware, as the ORM does."""
    timestamps = _timestamps(model)
    values = [
        timezone.make_aware(value, datetime.UTC)
        if name in timestamps and value is not None and timezone.is_naive(value)
        else value
        for name, value in zip(fields, values, strict=True)
    ]
    return model.from_db(connection.alias, list(fields), values)


def split_row(row: tuple[Any, ...], *widths: int) -> list[list[Any]]:
    """Cut a joined row into its tables' parts, then what is left (possibly nothing)."""
    values, parts = list(row), []
    for width in widths:
        parts.append(values[:width])
        del values[:width]
    return [*parts, values]


def instance_or_none(model: type[M], fields: tuple[str, ...], values: list[Any]) -> M | None:
    """The instance of an outer-joined row, or None when the join found nothing (its first
    field, the primary key, is NULL)."""
    return None if values[0] is None else instance_from_row(model, fields, values)
