"""The hand-written statements behave as the ORM's: what they write, the ORM reads back
unchanged; what they read equals what the ORM reads."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.common import rawsql
from kruzhok.common.models import AuditEvent, NumberSequence
from kruzhok.enrollment.tests.world import user_make


def test_insert_gives_primary_keys_in_order_and_fills_defaults(db):
    actor = user_make()
    events = [
        AuditEvent(actor=actor, action="first", object_type="x.y", object_id="1"),
        AuditEvent(action="second", object_type="x.y", object_id="2", details={"сумма": 12_000}),
        AuditEvent(action="third", object_type="x.y", object_id="3", ip_address="10.0.0.1"),
    ]
    before = timezone.now()
    rawsql.insert(*events)
    assert [e.pk for e in events] == sorted(e.pk for e in events)
    for event in events:
        assert not event._state.adding
        stored = AuditEvent.objects.get(pk=event.pk)
        assert (stored.action, stored.actor_id, stored.details, stored.ip_address) == (
            event.action,
            event.actor_id,
            event.details,
            event.ip_address,
        )
        # auto_now_add, as save() would have set it.
        assert stored.created_at == event.created_at and stored.created_at >= before


def test_insert_raises_the_integrity_error_of_a_broken_constraint(db):
    rawsql.insert(NumberSequence(name="contract"))
    with pytest.raises(IntegrityError), transaction.atomic():
        rawsql.insert(NumberSequence(name="contract"))


def test_instance_from_row_reads_as_the_orm_does(db):
    user = user_make()
    User.objects.filter(pk=user.pk).update(
        email_confirmed_at=datetime.datetime(2026, 8, 25, 9, 0, 0, 123456, tzinfo=datetime.UTC)
    )
    fields = rawsql.model_fields(User)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {rawsql.columns('', User, fields)} FROM {rawsql.table(User)} WHERE id = %s",
            [user.pk],
        )
        read = rawsql.instance_from_row(User, fields, list(cursor.fetchone()))
    orm = User.objects.get(pk=user.pk)
    for name in fields:
        assert getattr(read, name) == getattr(orm, name), name
    assert timezone.is_aware(read.email_confirmed_at) and timezone.is_aware(read.date_joined)
