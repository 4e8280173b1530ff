import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.common.models import AuditEvent, Municipality, NumberSequence
from kruzhok.common.services import AuditEntry, audit_record, audit_record_many, sequence_next

pytestmark = pytest.mark.django_db


def test_audit_record_keeps_json_safe_details():
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    event = audit_record(
        actor=AnonymousUser(),
        action="financing.create",
        obj=municipality,
        ip_address="192.0.2.1",
        period_start=datetime.date(2026, 9, 1),
        amount=100_00,
        note=None,
    )
    event.refresh_from_db()
    assert event.actor is None
    assert (event.object_type, event.object_id) == ("common.municipality", str(municipality.pk))
    assert event.details == {"period_start": "2026-09-01", "amount": 10000, "note": None}
    assert event.ip_address == "192.0.2.1"


def test_audit_record_many_writes_each_action_as_audit_record_would(django_assert_num_queries):
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    person = UserFactory.create()
    with django_assert_num_queries(1):
        audit_record_many(
            [
                AuditEntry(person, "first", municipality, {"day": datetime.date(2026, 9, 1)}),
                AuditEntry(AnonymousUser(), "second", municipality),
            ]
        )
    first, second = AuditEvent.objects.order_by("pk")
    assert (first.actor, first.action, first.details) == (person, "first", {"day": "2026-09-01"})
    assert (second.actor, second.action, second.details) == (None, "second", {})
    assert first.object_id == second.object_id == str(municipality.pk)
    assert first.created_at is not None and first.ip_address is None


def test_sequences_are_gapless_and_independent():
    assert [sequence_next(name="a") for _ in range(3)] == [1, 2, 3]
    assert sequence_next(name="b") == 1
    assert NumberSequence.objects.get(name="a").last_value == 3
