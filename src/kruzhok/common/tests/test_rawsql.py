"""The cage's helpers: statements name tables and columns from the models' metadata, and rows
read by hand become the instances the ORM would have made."""

import datetime

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.common import rawsql
from kruzhok.common.models import AuditEvent
from kruzhok.enrollment.models import Application
from kruzhok.enrollment.tests.world import user_make


def _read(model, attnames, pk):
    a = rawsql.Aliased(model, "x")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {a.columns(attnames)} FROM {a.table} WHERE {a.pk} = %s", [pk])
        return rawsql.instance_from_row(model, attnames, cursor.fetchone())


def test_a_row_read_by_hand_is_the_instance_the_orm_reads(db):
    user = user_make()
    User.objects.filter(pk=user.pk).update(
        email_confirmed_at=datetime.datetime(2026, 8, 25, 9, 0, 0, 123456, tzinfo=datetime.UTC)
    )
    fields = rawsql.model_fields(User)
    read = _read(User, fields, user.pk)
    orm = User.objects.get(pk=user.pk)
    for name in fields:
        assert getattr(read, name) == getattr(orm, name), name
        assert type(getattr(read, name)) is type(getattr(orm, name)), name
    assert timezone.is_aware(read.email_confirmed_at) and timezone.is_aware(read.date_joined)
    assert read.is_active is True  # SQLite stores 1
    assert not read._state.adding and read._state.db == connection.alias


def test_a_json_field_read_by_hand_comes_back_parsed(db):
    event = AuditEvent.objects.create(
        action="x", object_type="x.y", object_id="1", details={"сумма": 12_000, "дни": [1, 2]}
    )
    read = _read(AuditEvent, rawsql.model_fields(AuditEvent), event.pk)
    assert read.details == {"сумма": 12_000, "дни": [1, 2]}


def test_fields_not_read_load_lazily(db, django_assert_num_queries):
    user = user_make()
    read = _read(User, rawsql.model_fields(User, "id", "email"), user.pk)
    with django_assert_num_queries(1):
        assert read.last_name == user.last_name


def test_columns_come_from_the_models_metadata():
    a = rawsql.Aliased(Application, "a")
    quote = connection.ops.quote_name
    assert a.table == f"{quote(Application._meta.db_table)} a"
    assert a["child"] == a["child_id"] == f"a.{quote(Application._meta.get_field('child').column)}"
    assert a.pk == f"a.{quote('id')}"
    assert rawsql.model_fields(Application, "status", "child") == ("child_id", "status")
    with pytest.raises(FieldDoesNotExist):
        a["no_such_field"]
