"""The parent's half over the API: the pages' rules, the same figures, idempotent retries."""

import datetime

import pytest
from django.test import Client, override_settings

from kruzhok.accounts.models import Role
from kruzhok.api.models import IdempotentAnswer
from kruzhok.api.tests.conftest import bearer
from kruzhok.catalog.models import Group
from kruzhok.certificates.selectors import certificate_money
from kruzhok.enrollment.models import Application, ApplicationStatus
from kruzhok.enrollment.tests.world import (
    TODAY,
    child_make,
    group_make,
    user_make,
    world_make,
)

pytestmark = pytest.mark.django_db

APPLICATIONS = "/api/v1/parent/applications"


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 10, 15, 12, 0, tzinfo=datetime.UTC), tick=False)


def _apply(client: Client, headers: dict[str, str], child_id: int, group_id: int, key: str):
    return client.post(
        APPLICATIONS,
        {"child_id": child_id, "group_id": group_id},
        content_type="application/json",
        headers={**headers, "Idempotency-Key": key},
    )


def test_apply_accept_the_offer_and_read_the_certificate_to_the_kopeck(today):
    world = world_make(price_per_hour=150_00)
    auto = group_make(world.program, world.teacher, auto_accept=True)
    headers = bearer(world.parent)
    client = Client()
    answer = _apply(client, headers, world.child.pk, auto.pk, "k-1")
    assert answer.status_code == 201, answer.content
    application = answer.json()
    assert application["status"] == ApplicationStatus.ACCEPTED
    assert application["offer_expires_at"]
    assert "Примите оферту" in application["next_step"]
    auto.refresh_from_db()
    assert auto.seats_taken == 1

    accepted = client.post(
        f"{APPLICATIONS}/{application['id']}/accept-offer",
        headers={**headers, "Idempotency-Key": "k-2"},
    )
    assert accepted.status_code == 200, accepted.content
    contract = accepted.json()["contract"]
    assert contract["total_cost"]["currency"] == "RUB"
    assert (
        contract["certificate_part"]["amount"] + contract["parent_part"]["amount"]
        == contract["total_cost"]["amount"]
    )

    card = client.get(f"/api/v1/parent/children/{world.child.pk}/certificate", headers=headers)
    assert card.status_code == 200
    body = card.json()
    figures = certificate_money(certificate=world.child.certificate)
    assert body["balance"] == {"amount": figures.balance, "currency": "RUB"}
    assert body["reserved"]["amount"] == figures.reserved == contract["certificate_part"]["amount"]
    assert body["available"]["amount"] == figures.balance - figures.reserved
    kinds = [op["kind"] for op in body["operations"]]
    assert kinds[0] == "credit" and "hold" in kinds


def test_a_retry_with_the_same_key_takes_no_second_seat_and_another_body_is_refused(today):
    world = world_make()
    auto = group_make(world.program, world.teacher, auto_accept=True, capacity=5)
    headers = bearer(world.parent)
    first = _apply(Client(), headers, world.child.pk, auto.pk, "same-key")
    again = _apply(Client(), headers, world.child.pk, auto.pk, "same-key")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Application.objects.filter(child=world.child).count() == 1
    assert Group.objects.get(pk=auto.pk).seats_taken == 1

    sister = child_make(world.parent)
    other = _apply(Client(), headers, sister.pk, auto.pk, "same-key")
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert Application.objects.filter(child=sister).count() == 0

    missing = Client().post(
        APPLICATIONS,
        {"child_id": sister.pk, "group_id": auto.pk},
        content_type="application/json",
        headers=headers,
    )
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "Idempotency-Key"
    assert "Idempotency-Key" in missing.json()["detail"]


def test_a_refusal_is_not_kept_so_a_fixed_retry_with_the_key_runs(today):
    world = world_make()
    headers = bearer(world.parent)
    closed = group_make(world.program, world.teacher, auto_accept=True)
    Group.objects.filter(pk=closed.pk).update(enrollment_open=False)
    refused = _apply(Client(), headers, world.child.pk, closed.pk, "key-x")
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert "Запись" in refused.json()["detail"]
    assert not IdempotentAnswer.objects.exists()
    Group.objects.filter(pk=closed.pk).update(enrollment_open=True)
    assert _apply(Client(), headers, world.child.pk, closed.pk, "key-x").status_code == 201


def test_another_familys_child_and_application_do_not_exist_for_a_parent(today):
    world = world_make()
    stranger = user_make(Role.PARENT, world.municipality)
    theirs = child_make(stranger)
    headers = bearer(world.parent)
    client = Client()
    answer = _apply(client, headers, theirs.pk, world.group.pk, "k")
    assert answer.status_code == 404
    assert "Соколов" not in answer.content.decode()
    assert not Application.objects.filter(child=theirs).exists()
    own = _apply(client, headers, world.child.pk, world.group.pk, "k2").json()
    stranger_headers = bearer(stranger)
    for method, url in (
        ("get", f"{APPLICATIONS}/{own['id']}"),
        ("post", f"{APPLICATIONS}/{own['id']}/cancel"),
        ("get", f"/api/v1/parent/children/{world.child.pk}/certificate"),
    ):
        answer = getattr(client, method)(url, headers=stranger_headers)
        assert answer.status_code == 404, url
        assert "Соколов" not in answer.content.decode()
    assert client.get(APPLICATIONS, headers=stranger_headers).json()["items"] == []
    # A provider's staff member is not a parent: 403, whatever the object.
    admin_headers = bearer(world.admin, provider_id=world.provider.pk)
    assert client.get(APPLICATIONS, headers=admin_headers).status_code == 403
    assert client.get("/api/v1/parent/children", headers=admin_headers).status_code == 403


def test_cancel_and_withdraw_follow_the_pages_rules(today):
    world = world_make()
    headers = bearer(world.parent)
    client = Client()
    submitted = _apply(client, headers, world.child.pk, world.group.pk, "a").json()
    assert submitted["status"] == ApplicationStatus.SUBMITTED
    cancelled = client.post(f"{APPLICATIONS}/{submitted['id']}/cancel", headers=headers)
    assert cancelled.json()["status"] == ApplicationStatus.CANCELLED
    twice = client.post(f"{APPLICATIONS}/{submitted['id']}/cancel", headers=headers)
    assert twice.status_code == 409
    bad = client.post(
        f"{APPLICATIONS}/{submitted['id']}/withdraw",
        {"on": "вчера", "reason": ""},
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "w"},
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"on", "reason"}
    refused = client.post(
        f"{APPLICATIONS}/{submitted['id']}/withdraw",
        {"on": TODAY.isoformat(), "reason": "Переезд"},
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "w"},
    )
    assert refused.status_code == 409


@override_settings(KRUZHOK_API_RATE_PER_MINUTE=3)
def test_a_token_over_its_rate_is_answered_429_with_retry_after(today):
    world = world_make()
    headers = bearer(world.parent)
    other = bearer(user_make(Role.PARENT, world.municipality))
    client = Client()
    codes = [client.get("/api/v1/parent/children", headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    answer = client.get("/api/v1/parent/children", headers=headers)
    assert answer.status_code == 429
    assert 1 <= int(answer["Retry-After"]) <= 60
    assert answer["Content-Type"] == "application/problem+json"
    assert "повторите через" in answer.json()["detail"]
    # Counted per token: another person's token is unaffected.
    assert client.get("/api/v1/parent/children", headers=other).status_code == 200


def test_housekeeping_forgets_answers_after_a_day_and_then_the_key_runs_anew(today, time_machine):
    from django.core.management import call_command

    world = world_make()
    auto = group_make(world.program, world.teacher, auto_accept=True, capacity=5)
    headers = bearer(world.parent)
    first = _apply(Client(), headers, world.child.pk, auto.pk, "old-key")
    assert first.status_code == 201
    time_machine.move_to(datetime.datetime(2026, 10, 16, 12, 1, tzinfo=datetime.UTC))
    call_command("api_housekeeping")
    assert not IdempotentAnswer.objects.exists()
    # Run anew: the application exists, so the service refuses a second one (no new seat).
    again = _apply(Client(), headers, world.child.pk, auto.pk, "old-key")
    assert again.status_code == 409
    assert Group.objects.get(pk=auto.pk).seats_taken == 1
