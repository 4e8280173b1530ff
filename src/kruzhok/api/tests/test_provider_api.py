"""The provider's API: the same reach as the cabinet's pages (and a token's one organisation),
bulk decisions through the enrolment services, bulk marks that move the certificate's money
exactly as the journal page does, once per Idempotency-Key."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.api.tests.conftest import bearer
from kruzhok.attendance.models import AttendanceMark
from kruzhok.billing.models import Invoice
from kruzhok.billing.payments import invoice_approve, invoice_payment_record
from kruzhok.catalog.models import Group
from kruzhok.certificates.selectors import certificate_money
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Application, ApplicationStatus, Charge
from kruzhok.enrollment.tests.world import (
    NOW,
    TODAY,
    child_make,
    contract_made,
    group_make,
    program_make,
    provider_make,
    user_make,
)
from kruzhok.providers.models import StaffRole
from kruzhok.providers.services import provider_staff_add
from tests.access_scene import OCTOBER, scene_make

pytestmark = pytest.mark.django_db

API = "/api/v1/provider"


def _submitted(world, group: Group | None = None) -> Application:
    child = child_make(world.parent)
    return enrollment_services.application_submit(
        parent=world.parent, child_id=child.pk, group_id=(group or world.group).pk
    )


def _second_organisation(world):
    """Another provider of the municipality where the world's administrator works too."""
    other, _, other_teacher = provider_make(world.municipality)
    provider_staff_add(provider=other, user=world.admin, role=StaffRole.ADMIN)
    program = program_make(other, title="Керамика")
    group = group_make(program, other_teacher)
    return other, program, group


# Access ----------------------------------------------------------------------------------------


def test_other_roles_are_refused_with_403_and_anonymous_with_401(world):
    operator = user_make(Role.OPERATOR, world.municipality)
    for user in (world.parent, operator):
        for url in (f"{API}/programs", f"{API}/applications", f"{API}/contracts"):
            answer = Client().get(url, headers=bearer(user))
            assert answer.status_code == 403, url
            assert answer["Content-Type"] == "application/problem+json"
            assert "поставщик" in answer.json()["detail"]
    answer = Client().post(
        f"{API}/applications/accept",
        {"ids": [1]},
        content_type="application/json",
        headers={**bearer(world.parent), "Idempotency-Key": "k"},
    )
    assert answer.status_code == 403
    assert Client().get(f"{API}/programs").status_code == 401


def test_another_organisations_objects_are_404_and_nothing_of_them_leaks(world):
    stranger_provider, stranger, _ = provider_make(world.municipality)
    application = _submitted(world)
    contract = contract_made(world)
    headers = bearer(stranger, provider_id=stranger_provider.pk)
    client = Client()
    for url in (
        f"{API}/programs/{world.program.pk}",
        f"{API}/groups/{world.group.pk}",
        f"{API}/groups/{world.group.pk}/lessons",
        f"{API}/groups/{world.group.pk}/attendance?month=2026-10",
    ):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 404, url
        assert world.program.title not in answer.content.decode()
    listed = [
        client.get(f"{API}/programs", headers=headers).json(),
        client.get(f"{API}/groups", headers=headers).json(),
        client.get(f"{API}/applications", headers=headers).json()["items"],
        client.get(f"{API}/contracts", headers=headers).json()["items"],
    ]
    assert listed == [[], [], [], []]
    lesson = world.group.lessons.get(date=TODAY)
    answer = client.post(
        f"{API}/groups/{world.group.pk}/attendance",
        {"marks": [{"lesson_id": lesson.pk, "contract_id": contract.pk, "present": True}]},
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "stranger-1"},
    )
    assert answer.status_code == 404
    answer = client.post(
        f"{API}/applications/accept",
        {"ids": [application.pk]},
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "stranger-2"},
    )
    assert answer.json()["results"] == [
        {
            "id": application.pk,
            "outcome": "not_found",
            "status": None,
            "detail": "Заявка не найдена в вашей очереди.",
        }
    ]
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not AttendanceMark.objects.exists()


def test_a_token_acts_for_its_one_organisation_though_the_person_works_at_two(world):
    other, other_program, other_group = _second_organisation(world)
    theirs = _submitted(world, other_group)
    ours = _submitted(world)
    headers = bearer(world.admin, provider_id=world.provider.pk)
    client = Client()
    assert [p["id"] for p in client.get(f"{API}/programs", headers=headers).json()] == [
        world.program.pk
    ]
    assert {g["id"] for g in client.get(f"{API}/groups", headers=headers).json()} == {
        world.group.pk
    }
    for url in (
        f"{API}/programs/{other_program.pk}",
        f"{API}/groups/{other_group.pk}",
        f"{API}/groups/{other_group.pk}/lessons",
        f"{API}/groups/{other_group.pk}/attendance?month=2026-10",
    ):
        assert client.get(url, headers=headers).status_code == 404, url
    queue = client.get(f"{API}/applications", headers=headers).json()["items"]
    assert [a["id"] for a in queue] == [ours.pk]
    answer = client.post(
        f"{API}/applications/accept",
        {"ids": [theirs.pk, ours.pk]},
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "two-orgs"},
    ).json()
    assert {r["id"]: r["outcome"] for r in answer["results"]} == {
        theirs.pk: "not_found",
        ours.pk: "accepted",
    }
    theirs.refresh_from_db()
    assert theirs.status == ApplicationStatus.SUBMITTED
    # The session is the person, with both organisations, as on the pages.
    session = Client()
    session.force_login(world.admin)
    assert {p["id"] for p in session.get(f"{API}/programs").json()} == {
        world.program.pk,
        other_program.pk,
    }
    assert session.get(f"{API}/programs/{other_program.pk}").status_code == 200
    assert other.pk in {p["provider_id"] for p in session.get(f"{API}/programs").json()}


def test_a_teacher_keeps_only_their_groups_journal_and_queue(world):
    colleague = user_make(Role.PROVIDER)
    provider_staff_add(provider=world.provider, user=colleague, role=StaffRole.TEACHER)
    own_group = group_make(world.program, colleague)
    mine = _submitted(world, own_group)
    _submitted(world)
    headers = bearer(colleague, provider_id=world.provider.pk)
    client = Client()
    queue = client.get(f"{API}/applications", headers=headers).json()["items"]
    assert [a["id"] for a in queue] == [mine.pk]
    assert (
        client.get(f"{API}/groups/{world.group.pk}/attendance?month=2026-10", headers=headers)
    ).status_code == 404
    assert (
        client.get(f"{API}/groups/{own_group.pk}/attendance?month=2026-10", headers=headers)
    ).status_code == 200


# Programs, groups, lessons ---------------------------------------------------------------------


def test_programs_groups_and_lessons_are_the_cabinets(world):
    headers = bearer(world.admin, provider_id=world.provider.pk)
    client = Client()
    detail = client.get(f"{API}/programs/{world.program.pk}", headers=headers).json()
    assert detail["state"] == "published"
    assert detail["price_per_hour"] == {"amount": 150_00, "currency": "RUB"}
    assert [g["id"] for g in detail["groups"]] == [world.group.pk]
    group = client.get(f"{API}/groups/{world.group.pk}", headers=headers).json()
    assert group["teacher_id"] == world.teacher.pk
    assert [s["weekday"] for s in group["schedule"]] == [1, 3]
    lessons = client.get(
        f"{API}/groups/{world.group.pk}/lessons",
        {"date_from": "2026-10-01", "date_to": "2026-10-31"},
        headers=headers,
    ).json()
    assert lessons and all("2026-10-01" <= lesson["date"] <= "2026-10-31" for lesson in lessons)
    assert [lesson["id"] for lesson in lessons] == list(
        world.group.lessons.filter(date__month=10).order_by("date").values_list("pk", flat=True)
    )
    answer = client.get(
        f"{API}/groups/{world.group.pk}/lessons", {"date_from": "1900-01-01"}, headers=headers
    )
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "date_from"


# Applications ----------------------------------------------------------------------------------


def test_bulk_accept_gives_the_seats_in_order_and_says_what_happened_to_each(world):
    group = group_make(world.program, world.teacher, capacity=2)
    first, second, third = (_submitted(world, group) for _ in range(3))
    decided = _submitted(world, group)
    enrollment_services.application_reject(actor=world.admin, application=decided, reason="Нет")
    headers = {**bearer(world.admin, provider_id=world.provider.pk), "Idempotency-Key": "acc-1"}
    body = {"ids": [third.pk, first.pk, second.pk, decided.pk, 2**31 - 1]}
    answer = Client().post(
        f"{API}/applications/accept", body, content_type="application/json", headers=headers
    )
    assert answer.status_code == 200
    summary = answer.json()
    outcomes = {r["id"]: r["outcome"] for r in summary["results"]}
    assert outcomes == {
        first.pk: "accepted",
        second.pk: "accepted",
        third.pk: "waitlisted",
        decided.pk: "refused",
        2**31 - 1: "not_found",
    }
    assert (summary["accepted"], summary["waitlisted"], summary["refused"]) == (2, 1, 1)
    refused = next(r for r in summary["results"] if r["id"] == decided.pk)
    assert "Отклонена" in refused["detail"]
    group.refresh_from_db()
    assert group.seats_taken == 2

    # The same key and body: the first answer, nothing run again.
    again = Client().post(
        f"{API}/applications/accept", body, content_type="application/json", headers=headers
    )
    assert again.json() == summary and again["Idempotent-Replayed"] == "true"
    # The same key with another body is refused; without a key, 400.
    other = Client().post(
        f"{API}/applications/accept",
        {"ids": [first.pk]},
        content_type="application/json",
        headers=headers,
    )
    assert other.status_code == 422
    keyless = Client().post(
        f"{API}/applications/accept",
        body,
        content_type="application/json",
        headers={"Authorization": headers["Authorization"]},
    )
    assert keyless.status_code == 400
    assert keyless.json()["errors"][0]["field"] == "Idempotency-Key"


def test_bulk_reject_needs_a_reason_and_frees_the_seat_for_the_line(world):
    group = group_make(world.program, world.teacher, capacity=1, auto_accept=True)
    holder, waiting = _submitted(world, group), _submitted(world, group)
    assert (holder.status, waiting.status) == ("accepted", "waitlisted")
    headers = bearer(world.admin, provider_id=world.provider.pk)
    url = f"{API}/applications/reject"
    blank = Client().post(
        url, {"ids": [holder.pk], "reason": "  "}, content_type="application/json", headers=headers
    )
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "reason"
    missing = Client().post(
        url, {"ids": [holder.pk]}, content_type="application/json", headers=headers
    )
    assert missing.status_code == 422
    holder.refresh_from_db()
    assert holder.status == ApplicationStatus.ACCEPTED

    answer = (
        Client()
        .post(
            url,
            {"ids": [holder.pk], "reason": "Группа для детей постарше."},
            content_type="application/json",
            headers=headers,
        )
        .json()
    )
    assert answer["results"][0]["outcome"] == "rejected"
    holder.refresh_from_db()
    waiting.refresh_from_db()
    assert holder.status == ApplicationStatus.REJECTED
    assert holder.reason == "Группа для детей постарше."
    assert waiting.status == ApplicationStatus.ACCEPTED
    rejected = Client().get(f"{API}/applications", {"status": "rejected"}, headers=headers)
    (listed,) = rejected.json()["items"]
    assert (listed["id"], listed["reason"]) == (holder.pk, "Группа для детей постарше.")
    again = (
        Client()
        .post(
            url,
            {"ids": [holder.pk], "reason": "Ещё раз"},
            content_type="application/json",
            headers=headers,
        )
        .json()
    )
    assert again["results"][0]["outcome"] == "refused"


def test_the_queue_filters_and_pages_by_keyset(world):
    applications = [_submitted(world) for _ in range(5)]
    headers = bearer(world.teacher, provider_id=world.provider.pk)
    seen: list[int] = []
    page = Client().get(f"{API}/applications", {"limit": 2, "status": "submitted"}, headers=headers)
    body = page.json()
    seen += [a["id"] for a in body["items"]]
    while body["next_cursor"]:
        body = (
            Client()
            .get(
                f"{API}/applications",
                {"limit": 2, "status": "submitted", "cursor": body["next_cursor"]},
                headers=headers,
            )
            .json()
        )
        seen += [a["id"] for a in body["items"]]
    assert seen == [a.pk for a in applications]
    first = Client().get(f"{API}/applications", headers=headers).json()["items"][0]
    assert first["child_name"] == applications[0].child.initials_name
    assert "snils" not in first
    other = Client().get(f"{API}/applications", {"group": 2**31 - 1}, headers=headers).json()
    assert other["items"] == []


# Attendance ------------------------------------------------------------------------------------


def _mark(client: Client, world, headers: dict[str, str], marks: list[dict], key: str):
    return client.post(
        f"{API}/groups/{world.group.pk}/attendance",
        {"marks": marks},
        content_type="application/json",
        headers={**headers, "Idempotency-Key": key},
    )


def test_bulk_marks_move_the_certificates_money_exactly_as_the_journal_page_and_once_per_key(
    world,
):
    by_page = contract_made(world, child=child_make(world.parent))
    by_api = contract_made(world, child=child_make(world.parent))
    lesson = world.group.lessons.get(date=TODAY)
    before = {c.pk: certificate_money(certificate=c.certificate) for c in (by_page, by_api)}

    page = Client()
    page.force_login(world.teacher)
    page.post(
        reverse("attendance:mark"),
        {"lesson": lesson.pk, "contract": by_page.pk, "present": "1", "variant": "row"},
    )
    headers = bearer(world.teacher, provider_id=world.provider.pk)
    marks = [{"lesson_id": lesson.pk, "contract_id": by_api.pk, "present": True}]
    answer = _mark(Client(), world, headers, marks, "journal-1")
    assert answer.status_code == 200
    assert answer.json()["results"][0]["outcome"] == "saved"
    assert answer.json()["saved"] == 1

    share = 2 * 150_00 * by_api.certificate_part // by_api.total_cost
    debits = {}
    for contract in (by_page, by_api):
        after = certificate_money(certificate=contract.certificate)
        debits[contract.pk] = before[contract.pk].balance - after.balance
    assert debits == {by_page.pk: share, by_api.pk: share}

    # A retry with the same key and body replays the answer: no second mark, no second debit.
    again = _mark(Client(), world, headers, marks, "journal-1")
    assert again.json() == answer.json() and again["Idempotent-Replayed"] == "true"
    assert Charge.objects.filter(contract=by_api, reversed_at=None).count() == 1
    balance = certificate_money(certificate=by_api.certificate).balance
    assert before[by_api.pk].balance - balance == share
    # The same key with another body (un-marking) is refused and changes nothing.
    unmark = [{**marks[0], "present": False}]
    refused = _mark(Client(), world, headers, unmark, "journal-1")
    assert refused.status_code == 422
    assert AttendanceMark.objects.get(contract=by_api).present is True
    # Under a new key, un-marking reverses the charge: the money comes back to the kopeck.
    assert _mark(Client(), world, headers, unmark, "journal-2").json()["saved"] == 1
    assert certificate_money(certificate=by_api.certificate).balance == before[by_api.pk].balance
    # A late retry of the first request is answered from the record: it does not mark the
    # child present again, nor debit the certificate a second time.
    late_retry = _mark(Client(), world, headers, marks, "journal-1")
    assert late_retry.json() == answer.json()
    assert AttendanceMark.objects.get(contract=by_api).present is False
    assert certificate_money(certificate=by_api.certificate).balance == before[by_api.pk].balance


def test_a_late_mark_needs_a_reason_and_each_mark_is_answered(world, time_machine):
    contract = contract_made(world)
    other_group = group_make(world.program, world.teacher)
    headers = bearer(world.admin, provider_id=world.provider.pk)
    time_machine.move_to(NOW + datetime.timedelta(days=10), tick=False)
    late = world.group.lessons.get(date=TODAY)
    future = world.group.lessons.filter(date__gt=TODAY + datetime.timedelta(days=10)).first()
    foreign = other_group.lessons.filter(date__lte=TODAY).first()
    marks = [
        {"lesson_id": late.pk, "contract_id": contract.pk, "present": True},
        {"lesson_id": future.pk, "contract_id": contract.pk, "present": True},
        {"lesson_id": foreign.pk, "contract_id": contract.pk, "present": True},
        {"lesson_id": late.pk, "contract_id": 2**31 - 1, "present": True},
    ]
    results = _mark(Client(), world, headers, marks, "late-1").json()["results"]
    assert [(r["outcome"], r["field"]) for r in results] == [
        ("refused", "reason"),
        ("refused", None),
        ("not_found", None),
        ("not_found", None),
    ]
    assert "укажите причину" in results[0]["detail"]
    assert "ещё не прошло" in results[1]["detail"]
    assert not AttendanceMark.objects.exists()
    with_reason = [{**marks[0], "reason": "Журнал заполнен по бумажному"}]
    saved = _mark(Client(), world, headers, with_reason, "late-2").json()["results"][0]
    assert saved["outcome"] == "saved" and saved["present"] is True
    assert AttendanceMark.objects.get(lesson=late, contract=contract).present is True


def test_the_journal_of_a_month_shows_marks_and_what_can_be_marked(world):
    contract = contract_made(world)
    lesson = world.group.lessons.get(date=TODAY)
    headers = bearer(world.teacher, provider_id=world.provider.pk)
    _mark(
        Client(),
        world,
        headers,
        [{"lesson_id": lesson.pk, "contract_id": contract.pk, "present": True}],
        "j",
    )
    journal = (
        Client()
        .get(f"{API}/groups/{world.group.pk}/attendance", {"month": "2026-10"}, headers=headers)
        .json()
    )
    assert journal["month"] == "2026-10-01" and journal["closure_status"] is None
    assert [lesson["id"] for lesson in journal["lessons"]] == list(
        world.group.lessons.filter(date__month=10).order_by("date").values_list("pk", flat=True)
    )
    (row,) = journal["rows"]
    assert row["contract_id"] == contract.pk
    cells = {cell["lesson_id"]: cell for cell in row["cells"]}
    assert cells[lesson.pk]["present"] is True and cells[lesson.pk]["markable"] is True
    future = world.group.lessons.filter(date__gt=TODAY, date__month=10).first()
    assert cells[future.pk]["markable"] is False and cells[future.pk]["why_not"]
    for month in ("2026-13", "октябрь", "1999-12"):
        answer = Client().get(
            f"{API}/groups/{world.group.pk}/attendance", {"month": month}, headers=headers
        )
        assert answer.status_code == 422, month


# Contracts, invoices, payments -----------------------------------------------------------------


def test_contracts_are_the_callers_and_carry_money_in_kopecks(world):
    contract = contract_made(world)
    headers = bearer(world.admin, provider_id=world.provider.pk)
    (item,) = Client().get(f"{API}/contracts", headers=headers).json()["items"]
    assert item["id"] == contract.pk and item["number"] == contract.number
    assert item["certificate_part"] == {"amount": contract.certificate_part, "currency": "RUB"}
    assert item["child_name"] == world.child.initials_name


def test_invoices_are_for_administrators_of_their_own_organisation(time_machine):
    scene = scene_make(time_machine)
    admin_x, admin_y = scene.users["admin_x"], scene.users["admin_y"]
    invoice_x = Invoice.objects.get(pk=scene.objects["invoice"]["x"])
    invoice_y = scene.objects["invoice"]["y"]
    headers = bearer(admin_x, provider_id=invoice_x.provider_id)
    client = Client()
    (listed,) = client.get(f"{API}/invoices", headers=headers).json()
    assert listed["id"] == invoice_x.pk and listed["month"] == OCTOBER.isoformat()
    assert listed["certificate_amount"]["amount"] == invoice_x.certificate_amount
    assert {d["kind"] for d in listed["documents"]} == {"invoice_pdf", "act_pdf", "lines_xlsx"}
    detail = client.get(f"{API}/invoices/{invoice_x.pk}", headers=headers).json()
    assert len(detail["lines"]) == invoice_x.lines.count() >= 1
    pdf = client.get(
        next(d["url"] for d in listed["documents"] if d["kind"] == "invoice_pdf"), headers=headers
    )
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    for url in (
        f"{API}/invoices/{invoice_y}",
        f"{API}/invoices/{invoice_y}/documents/invoice_pdf",
    ):
        assert client.get(url, headers=headers).status_code == 404, url
    assert client.get(f"{API}/payments", headers=headers).json() == {
        "items": [],
        "next_cursor": None,
    }
    operator = scene.users["operator_m"]
    invoice_approve(actor=operator, invoice=invoice_x)
    invoice_payment_record(
        actor=operator,
        invoice=invoice_x,
        amount=invoice_x.certificate_amount,
        order_number="123",
        order_date=datetime.date(2026, 11, 5),
    )
    (paid,) = client.get(f"{API}/payments", headers=headers).json()["items"]
    assert paid["invoice_id"] == invoice_x.pk and paid["order_number"] == "123"
    assert paid["amount"] == {"amount": invoice_x.certificate_amount, "currency": "RUB"}
    after = client.get(f"{API}/invoices/{invoice_x.pk}", headers=headers).json()
    assert after["status"] == "paid" and after["due"]["amount"] == 0
    assert client.get(f"{API}/advances", headers=headers).json() == []
    # A teacher may see the organisation, not its money.
    teacher = bearer(scene.users["teacher"], provider_id=invoice_x.provider_id)
    assert client.get(f"{API}/invoices", headers=teacher).status_code == 403
    assert client.get(f"{API}/invoices/{invoice_x.pk}", headers=teacher).status_code == 403
    assert client.get(f"{API}/payments", headers=teacher).status_code == 403
    assert client.get(f"{API}/advances", headers=teacher).status_code == 403
    assert (
        client.get(
            f"{API}/invoices",
            headers=bearer(admin_y, provider_id=Invoice.objects.get(pk=invoice_y).provider_id),
        ).json()[0]["id"]
        == invoice_y
    )


def test_lists_read_in_a_fixed_number_of_queries_whatever_their_length(
    world, django_assert_max_num_queries
):
    for _ in range(3):
        contract_made(world, child=child_make(world.parent))
        _submitted(world)
    headers = bearer(world.admin, provider_id=world.provider.pk)
    counts = {}
    for url in (
        f"{API}/applications",
        f"{API}/contracts",
        f"{API}/groups",
        f"{API}/programs",
        f"{API}/groups/{world.group.pk}/attendance?month=2026-10",
    ):
        with django_assert_max_num_queries(14) as captured:
            assert Client().get(url, headers=headers).status_code == 200
        counts[url] = len(captured.captured_queries)
    for _ in range(5):
        contract_made(world, child=child_make(world.parent))
        _submitted(world)
    for url, count in counts.items():
        with django_assert_max_num_queries(count) as captured:
            assert Client().get(url, headers=headers).status_code == 200
