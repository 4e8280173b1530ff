"""A client's retry racing its first request: PostgreSQL only (SQLite serialises writers).

Two bulk marks sent at once with one Idempotency-Key move the certificate's money once; the
second is told to wait for the first or gets its answer.
"""

import threading

import pytest
from django.db import connection
from django.test import Client

from kruzhok.api.tests.conftest import bearer
from kruzhok.certificates.selectors import certificate_money
from kruzhok.enrollment.models import Charge
from kruzhok.enrollment.tests.world import TODAY, contract_made

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_marks_sent_at_once_with_one_key_charge_the_lesson_once(world):
    contract = contract_made(world)
    lesson = world.group.lessons.get(date=TODAY)
    before = certificate_money(certificate=contract.certificate).balance
    headers = {**bearer(world.teacher, provider_id=world.provider.pk), "Idempotency-Key": "race"}
    body = {"marks": [{"lesson_id": lesson.pk, "contract_id": contract.pk, "present": True}]}
    barrier = threading.Barrier(2)
    answers: list = [None, None]

    def send(i: int) -> None:
        try:
            barrier.wait()
            answers[i] = Client().post(
                f"/api/v1/provider/groups/{world.group.pk}/attendance",
                body,
                content_type="application/json",
                headers=headers,
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses in ([200, 200], [200, 409]), statuses
    # Ran once: the other request waited for it (409) or, coming after it, got its answer.
    ran = [a for a in answers if a.status_code == 200 and not a.has_header("Idempotent-Replayed")]
    assert len(ran) == 1
    saved = [a.json() for a in answers if a.status_code == 200]
    assert all(s == saved[0] for s in saved) and saved[0]["saved"] == 1
    assert Charge.objects.filter(contract=contract, lesson=lesson, reversed_at=None).count() == 1
    share = 2 * 150_00 * contract.certificate_part // contract.total_cost
    assert before - certificate_money(certificate=contract.certificate).balance == share
