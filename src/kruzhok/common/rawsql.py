"""The cage of hand-written SQL: what the few statements the ORM does not write are built
and read with.

A statement is written by hand only where the ORM cannot say it, or where the rush
measurably needs it: `bench/rawsql_cost.py` prints the CPU each one saves per application,
`bench/page_cpu.py` what the catalogue's and program pages' reads cost, and each has a test
holding it equal to the ORM's query. Everything in a statement comes
from the models: tables and columns from their metadata (`Aliased`), so a changed
`db_column` is followed and a renamed field fails as soon as the statement is built, never
with a wrong answer; values are always parameters, never spliced into the text. Rows become
instances as the ORM's compiler makes them: each value through its field's converters (the
backend's, then the field's `from_db_value`), then `Model.from_db`, so a JSON field comes
back parsed, a SQLite timestamp aware, and a field not read loads lazily on access; rows
read as values (`values_from_rows`) go through the same converters. Both PostgreSQL and
SQLite speak this dialect.
"""

import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.expressions import Col

M = TypeVar("M", bound=Model)


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _field(model: type[Model], name: str) -> Field:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column, f"{model.__name__}.{name} has no column"
    return field


def column(model: type[Model], name: str) -> str:
    """The quoted column of a field, named as the ORM names it (`program`) or by its
    attribute (`program_id`)."""
    db_column = _field(model, name).column
    assert db_column is not None
    return connection.ops.quote_name(db_column)


class Aliased:
    """A model's table under an alias in a statement: with `g = Aliased(Group, "g")`,
    `g.table` is `"catalog_group" g`, `g["program"]` is `g."program_id"` and `g.pk` is
    `g."id"`, all from the model's metadata."""

    def __init__(self, model: type[Model], alias: str) -> None:
        self.model = model
        self.alias = alias

    @property
    def table(self) -> str:
        return f"{table(self.model)} {self.alias}"

    @property
    def pk(self) -> str:
        pk = self.model._meta.pk
        assert pk is not None
        return self[pk.name]

    def __getitem__(self, name: str) -> str:
        return f"{self.alias}.{column(self.model, name)}"

    def columns(self, names: Sequence[str]) -> str:
        return ", ".join(self[name] for name in names)


def model_fields(model: type[Model], *names: str) -> tuple[str, ...]:
    """The attributes of the named fields (all when none are named) in the model's own order,
    the order `instance_from_row` expects its values in."""
    wanted = {_field(model, name).attname for name in names}
    return tuple(f.attname for f in model._meta.concrete_fields if not names or f.attname in wanted)


def placeholders(count: int) -> str:
    """`count` parameter markers, comma-separated: the inside of an `IN (…)` or a `VALUES (…)`."""
    return ", ".join(["%s"] * count)


def for_update() -> str:
    """The row-lock clause, or nothing on SQLite, whose IMMEDIATE transactions already
    serialise writers."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


@functools.cache
def _columns(model: type[Model], attnames: tuple[str, ...]) -> tuple[Col, ...]:
    return tuple(_field(model, name).get_col(model._meta.db_table) for name in attnames)


# Each connection's converters of a statement's columns, found once: looking them up for each
# value cost more than the conversions (a connection is a thread's, so is its entry).
_connection_converters: "weakref.WeakKeyDictionary[BaseDatabaseWrapper, dict[Any, Any]]" = (
    weakref.WeakKeyDictionary()
)

Converter = Callable[[Any, Col, BaseDatabaseWrapper], Any]


def _converters(model: type[Model], attnames: tuple[str, ...]) -> tuple[tuple[Converter, ...], ...]:
    wrapper = connections[connection.alias]
    known = _connection_converters.setdefault(wrapper, {})
    key = (model, attnames)
    if key not in known:
        known[key] = tuple(
            tuple(wrapper.ops.get_db_converters(col) + col.get_db_converters(wrapper))
            for col in _columns(model, attnames)
        )
    return known[key]


def _converted(
    columns: Sequence[Col], converters: Sequence[tuple[Converter, ...]], values: Sequence[Any]
) -> list[Any]:
    """One row's values, each through its column's converters."""
    converted = []
    for col, convert_all, value in zip(columns, converters, values, strict=True):
        for convert in convert_all:
            value = convert(value, col, connection)
        converted.append(value)
    return converted


def instance_from_row(model: type[M], attnames: tuple[str, ...], values: Sequence[Any]) -> M:
    """An instance as the ORM loads one from the values of the given fields (`model_fields`
    order): each value through the converters the ORM's compiler applies, then
    `Model.from_db`. Fields not read are loaded lazily on access."""
    converted = _converted(_columns(model, attnames), _converters(model, attnames), values)
    return model.from_db(connection.alias, list(attnames), converted)


def values_from_rows(
    columns: Sequence[tuple[type[Model], str]], rows: Sequence[Sequence[Any]]
) -> list[tuple[Any, ...]]:
    """Rows of the given fields' values ((model, field) in the statement's order, from one
    table or several) as the ORM's `values_list` reads them: each value through its field's
    converters, without making instances. Where no column needs one (most on PostgreSQL), the
    rows as they came."""
    parts = [_converters(model, (name,))[0] for model, name in columns]
    if not any(parts):
        return [tuple(row) for row in rows]
    cols = [_columns(model, (name,))[0] for model, name in columns]
    return [tuple(_converted(cols, parts, row)) for row in rows]


def split_row(row: Sequence[Any], *widths: int) -> list[list[Any]]:
    """Cut a joined row into its tables' parts, then what is left (possibly nothing)."""
    values, parts = list(row), []
    for width in widths:
        parts.append(values[:width])
        del values[:width]
    return [*parts, values]


def instance_or_none(model: type[M], attnames: tuple[str, ...], values: Sequence[Any]) -> M | None:
    """The instance of an outer-joined row, or None when the join found nothing (its first
    field, the primary key, is NULL)."""
    return None if values[0] is None else instance_from_row(model, attnames, values)
