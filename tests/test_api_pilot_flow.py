"""The pilot path through the API alone, checked to the kopeck (the pages' own path is
tests/test_pilot_flow.py): find «Робототехника» by «робот» → apply → the provider accepts in
bulk → the parent accepts the offer → the teacher marks today's lesson in bulk → the
certificate shows the debit. Only the world (municipality, money rules, provider, program,
group, family) is made by services; every step is an HTTP request with a personal token."""

import datetime
import uuid

import pytest
from django.test import Client

from kruzhok.api.tests.conftest import bearer
from kruzhok.certificates import services as certificate_services
from kruzhok.certificates.models import Certificate
from kruzhok.common.models import Municipality
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import (
    TODAY,
    child_make,
    group_make,
    program_make,
    provider_make,
    user_make,
)

pytestmark = pytest.mark.django_db

PRICE_PER_HOUR = 150_00
NOMINAL = 5_000_00
API = "/api/v1"


def _key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def test_a_family_goes_from_search_to_a_debit_through_the_api_alone(frozen_now):
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    certificate_services.financing_program_create(
        municipality=municipality,
        title="ПФДО 2026/2027",
        period_start=datetime.date(2026, 9, 1),
        period_end=datetime.date(2027, 8, 31),
        max_funded_certificates=100,
        budget_cap=10_000_000_00,
        nominal_bands=[(5, 13, NOMINAL), (14, 18, 4_000_00)],
    )
    provider, admin, teacher = provider_make(municipality)
    program = program_make(provider, title="Робототехника", price_per_hour=PRICE_PER_HOUR)
    program_make(provider, title="Шахматы для начинающих", description="Дебюты и эндшпиль.")
    group = group_make(program, teacher, capacity=12)
    parent = user_make("parent", municipality)
    child = child_make(parent)

    parent_headers = bearer(parent)
    admin_headers = bearer(admin, provider_id=provider.pk)
    teacher_headers = bearer(teacher, provider_id=provider.pk)
    api = Client()

    # 1. Search by a word form; the program's page gives the group with its free seats.
    found = api.get(f"{API}/catalog/programs", {"q": "робот", "age": 10}).json()["items"]
    assert [item["title"] for item in found] == ["Робототехника"]
    detail = api.get(f"{API}/catalog/programs/{found[0]['id']}").json()
    [group_out] = detail["groups"]
    assert group_out["id"] == group.pk and group_out["free_seats"] == 12

    # 2. The parent applies for their child.
    children = api.get(f"{API}/parent/children", headers=parent_headers).json()
    assert [c["id"] for c in children] == [child.pk]
    submitted = api.post(
        f"{API}/parent/applications",
        {"child_id": child.pk, "group_id": group.pk},
        content_type="application/json",
        headers={**parent_headers, **_key()},
    )
    assert submitted.status_code == 201, submitted.content
    application_id = submitted.json()["id"]
    assert submitted.json()["status"] == "submitted"

    # 3. The provider sees it in its queue and accepts it in bulk.
    queue = api.get(f"{API}/provider/applications", headers=admin_headers).json()["items"]
    assert application_id in [row["id"] for row in queue]
    accepted = api.post(
        f"{API}/provider/applications/accept",
        {"ids": [application_id]},
        content_type="application/json",
        headers={**admin_headers, **_key()},
    )
    assert accepted.status_code == 200, accepted.content

    # 4. The parent accepts the offer: a funded certificate, its part reserved.
    offer = api.get(f"{API}/parent/applications/{application_id}", headers=parent_headers).json()
    assert offer["status"] == "accepted" and offer["offer_expires_at"]
    signed = api.post(
        f"{API}/parent/applications/{application_id}/accept-offer",
        headers={**parent_headers, **_key()},
    )
    assert signed.status_code == 200, signed.content
    contract = signed.json()["contract"]
    total = contract["total_cost"]["amount"]
    certificate_part = contract["certificate_part"]["amount"]
    assert (total, certificate_part, contract["parent_part"]["amount"]) == (
        6_300_00,
        5_000_00,
        1_300_00,
    )
    certificate = Certificate.objects.get(child=child)
    assert certificate.status == "funded"

    # 5. The teacher marks today's lesson in bulk (a retry with the same key marks nothing).
    journal = api.get(
        f"{API}/provider/groups/{group.pk}/attendance",
        {"month": f"{TODAY:%Y-%m}"},
        headers=teacher_headers,
    ).json()
    [lesson] = [row for row in journal["lessons"] if row["date"] == TODAY.isoformat()]
    [row] = journal["rows"]
    assert row["contract_id"] == contract["id"]
    marks = {"marks": [{"lesson_id": lesson["id"], "contract_id": contract["id"], "present": True}]}
    key = _key()
    marked = api.post(
        f"{API}/provider/groups/{group.pk}/attendance",
        marks,
        content_type="application/json",
        headers={**teacher_headers, **key},
    )
    assert marked.status_code == 200, marked.content
    assert marked.json()["saved"] == 1
    again = api.post(
        f"{API}/provider/groups/{group.pk}/attendance",
        marks,
        content_type="application/json",
        headers={**teacher_headers, **key},
    )
    assert again.json() == marked.json() and again["Idempotent-Replayed"] == "true"
    assert Charge.objects.count() == 1

    # 6. The certificate shows the debit, to the kopeck.
    debit = 2 * PRICE_PER_HOUR * certificate_part // total
    assert debit == 238_09
    card = api.get(f"{API}/parent/children/{child.pk}/certificate", headers=parent_headers).json()
    assert card["nominal"] == {"amount": NOMINAL, "currency": "RUB"}
    assert card["balance"]["amount"] == NOMINAL - debit
    assert card["reserved"]["amount"] == certificate_part - debit
    assert card["available"]["amount"] == NOMINAL - certificate_part
    assert [(op["kind"], op["amount"]["amount"]) for op in card["operations"]] == [
        ("credit", NOMINAL),
        ("hold", 0),
        ("post", -debit),
    ]
    assert card["operations"][1]["reserved_change"]["amount"] == certificate_part
