"""The operator's API: the reach of the operator's pages (their municipality; the region for a
regional administrator), moderation and the financing program through the pages' services,
the month close started once per Idempotency-Key, and the reports' figures as JSON."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.api.tests.conftest import bearer
from kruzhok.attendance.services import attendance_mark
from kruzhok.billing.models import Invoice, MonthClosure, MonthClosureStatus
from kruzhok.billing.month_close import month_close_run
from kruzhok.billing.tests.invoices import payer_details_set
from kruzhok.catalog.models import Program, ProgramModerationEvent, ProgramState
from kruzhok.certificates.financing_reads import financing_budget_figures
from kruzhok.certificates.models import FinancingProgram, FinancingProgramChange
from kruzhok.common.models import AuditEvent
from kruzhok.enrollment.tests.world import (
    MOSCOW,
    TODAY,
    contract_made,
    program_make,
    provider_make,
    user_make,
    world_make,
)
from kruzhok.providers.models import Provider, ProviderStatus

pytestmark = pytest.mark.django_db

API = "/api/v1/operator"


@pytest.fixture
def two(world):
    """The world's municipality M with its operator, and a second municipality N with its."""
    other = world_make()
    return {
        "m": world,
        "n": other,
        "operator_m": user_make(Role.OPERATOR, world.municipality),
        "operator_n": user_make(Role.OPERATOR, other.municipality),
        "regional": user_make(Role.REGIONAL_ADMIN),
    }


def _waiting(world) -> tuple[Provider, Program]:
    """A provider asking to join and a program sent for checking, in the world's municipality."""
    provider, _, _ = provider_make(world.municipality)
    Provider.objects.filter(pk=provider.pk).update(status=ProviderStatus.MODERATING)
    program = program_make(world.provider, title="Шахматы для начинающих")
    Program.objects.filter(pk=program.pk).update(state=ProgramState.MODERATING)
    return provider, program


def _post(url: str, user, body: dict | None = None, **headers: str):
    return Client().post(
        url, body or {}, content_type="application/json", headers={**bearer(user), **headers}
    )


# Access ----------------------------------------------------------------------------------------


def test_other_roles_are_refused_with_403(world):
    for user in (world.parent, world.admin):
        provider_id = world.provider.pk if user == world.admin else None
        headers = bearer(user, provider_id=provider_id)
        for url in (
            f"{API}/moderation",
            f"{API}/financing",
            f"{API}/month-closes",
            f"{API}/reports/coverage",
        ):
            answer = Client().get(url, headers=headers)
            assert answer.status_code == 403, url
            assert "оператор" in answer.json()["detail"]
        answer = Client().post(
            f"{API}/month-closes",
            {"month": "2026-09"},
            content_type="application/json",
            headers={**headers, "Idempotency-Key": "x"},
        )
        assert answer.status_code == 403
    assert not MonthClosure.objects.exists()
    assert Client().get(f"{API}/moderation").status_code == 401


# Moderation ------------------------------------------------------------------------------------


def test_the_queue_is_the_operators_municipality_and_approval_publishes(two):
    provider, program = _waiting(two["m"])
    queue = Client().get(f"{API}/moderation", headers=bearer(two["operator_m"])).json()
    assert [p["id"] for p in queue["providers"]] == [provider.pk]
    assert [p["id"] for p in queue["programs"]] == [program.pk]
    elsewhere = Client().get(f"{API}/moderation", headers=bearer(two["operator_n"])).json()
    assert elsewhere == {"providers": [], "programs": []}
    regional = Client().get(f"{API}/moderation", headers=bearer(two["regional"])).json()
    assert [p["id"] for p in regional["programs"]] == [program.pk]

    detail = (
        Client()
        .get(f"{API}/moderation/programs/{program.pk}", headers=bearer(two["operator_m"]))
        .json()
    )
    assert detail["state"] == "moderating" and detail["history"] == []
    organisation = (
        Client()
        .get(f"{API}/moderation/providers/{provider.pk}", headers=bearer(two["operator_m"]))
        .json()
    )
    assert organisation["status"] == "moderating" and organisation["inn"] == provider.inn

    answer = _post(f"{API}/moderation/programs/{program.pk}/approve", two["operator_m"])
    assert answer.status_code == 200 and answer.json()["state"] == "published"
    detail = (
        Client()
        .get(f"{API}/moderation/programs/{program.pk}", headers=bearer(two["operator_m"]))
        .json()
    )
    assert [(e["to_state"], e["actor_id"]) for e in detail["history"]] == [
        ("published", two["operator_m"].pk)
    ]
    event = ProgramModerationEvent.objects.get(program=program)
    assert (event.actor, event.to_state) == (two["operator_m"], ProgramState.PUBLISHED)
    again = _post(f"{API}/moderation/programs/{program.pk}/approve", two["operator_m"])
    assert again.status_code == 409 and "Опубликована" in again.json()["detail"]

    answer = _post(f"{API}/moderation/providers/{provider.pk}/approve", two["operator_m"])
    assert answer.status_code == 200 and answer.json()["status"] == "approved"


def test_another_municipalitys_operator_gets_404_and_decides_nothing(two):
    provider, program = _waiting(two["m"])
    stranger = two["operator_n"]
    for url in (
        f"{API}/moderation/programs/{program.pk}",
        f"{API}/moderation/providers/{provider.pk}",
    ):
        answer = Client().get(url, headers=bearer(stranger))
        assert answer.status_code == 404
        assert provider.inn not in answer.content.decode()
    for url, body in (
        (f"{API}/moderation/programs/{program.pk}/approve", None),
        (f"{API}/moderation/programs/{program.pk}/return", {"remarks": "Нет"}),
        (f"{API}/moderation/providers/{provider.pk}/approve", None),
        (f"{API}/moderation/providers/{provider.pk}/reject", {"reason": "Нет"}),
    ):
        answer = _post(url, stranger, body)
        assert answer.status_code == 404, url
        assert program.title not in answer.content.decode()
        assert provider.short_name not in answer.content.decode()
    program.refresh_from_db()
    provider.refresh_from_db()
    assert program.state == ProgramState.MODERATING
    assert provider.status == ProviderStatus.MODERATING


def test_returning_a_program_and_rejecting_a_provider_need_their_text(two):
    provider, program = _waiting(two["m"])
    operator = two["operator_m"]
    blank = _post(f"{API}/moderation/programs/{program.pk}/return", operator, {"remarks": "   "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "remarks"
    program.refresh_from_db()
    assert program.state == ProgramState.MODERATING
    answer = _post(
        f"{API}/moderation/programs/{program.pk}/return",
        operator,
        {"remarks": "Уточните возраст детей."},
    )
    assert answer.status_code == 200 and answer.json()["state"] == "wait_for_editing"
    event = ProgramModerationEvent.objects.get(program=program)
    assert event.remarks == "Уточните возраст детей."

    missing = _post(f"{API}/moderation/providers/{provider.pk}/reject", operator, {})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    answer = _post(
        f"{API}/moderation/providers/{provider.pk}/reject",
        operator,
        {"reason": "Лицензия не подходит."},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "rejected"


# The financing program -------------------------------------------------------------------------


def test_the_financing_program_is_read_and_changed_through_the_editors_service(two):
    financing = two["m"].financing
    operator = two["operator_m"]
    url = f"{API}/financing/{financing.pk}"
    detail = Client().get(url, headers=bearer(operator)).json()
    assert detail["budget_cap"] == {"amount": 1_000_000_00, "currency": "RUB"}
    assert [b["nominal"]["amount"] for b in detail["bands"]] == [12_000_00, 9_000_00]
    listed = Client().get(f"{API}/financing", headers=bearer(operator)).json()
    assert [p["id"] for p in listed] == [financing.pk]

    answer = Client().patch(
        url,
        {"budget_cap": {"amount": 1_500_000_00, "currency": "RUB"}, "effective_from": "2026-10-15"},
        content_type="application/json",
        headers=bearer(operator),
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["budget_cap"]["amount"] == 1_500_000_00
    assert body["budget"]["cap"]["amount"] == 1_500_000_00
    assert financing_budget_figures(financing_program=financing).cap == 1_500_000_00
    change = FinancingProgramChange.objects.get(financing_program=financing)
    assert (change.field, change.changed_by) == ("budget_cap", operator)
    assert body["changes"][0]["field"] == "budget_cap" and body["changes"][0]["applied"]

    # The editor's checks: a period ending before it starts is refused, nothing saved.
    bad = Client().patch(
        url,
        {"period_end": "2026-01-01", "effective_from": "2026-10-15"},
        content_type="application/json",
        headers=bearer(operator),
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "period_end"
    # Sent again, the change finds nothing to change.
    same = Client().patch(
        url,
        {"budget_cap": {"amount": 1_500_000_00, "currency": "RUB"}, "effective_from": "2026-10-15"},
        content_type="application/json",
        headers=bearer(operator),
    )
    assert same.status_code == 422 and "Ничего не изменено" in same.json()["detail"]
    assert FinancingProgramChange.objects.count() == 1

    # A closed period's rules do not change.
    FinancingProgram.objects.filter(pk=financing.pk).update(closed_at=timezone.now())
    closed = Client().patch(
        url,
        {"title": "Новое название", "effective_from": "2026-10-15"},
        content_type="application/json",
        headers=bearer(operator),
    )
    assert closed.status_code == 409 and "Период закрыт" in closed.json()["detail"]
    assert FinancingProgramChange.objects.count() == 1

    # Another municipality's program does not exist for this operator.
    theirs = two["n"].financing
    assert Client().get(f"{API}/financing/{theirs.pk}", headers=bearer(operator)).status_code == 404
    foreign = Client().patch(
        f"{API}/financing/{theirs.pk}",
        {"title": "Чужая", "effective_from": "2026-10-15"},
        content_type="application/json",
        headers=bearer(operator),
    )
    assert foreign.status_code == 404
    assert FinancingProgram.objects.get(pk=theirs.pk).title == "ПФДО 2026/2027"


# Month close -----------------------------------------------------------------------------------


def test_a_month_close_starts_once_per_key_and_reports_its_progress(two, time_machine):
    world, operator = two["m"], two["operator_m"]
    contract = contract_made(world)
    lesson = world.group.lessons.get(date=TODAY)
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    payer_details_set(world.municipality)
    time_machine.move_to(datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW), tick=False)

    key = {"Idempotency-Key": "close-october"}
    body = {"month": "2026-10"}
    answer = _post(f"{API}/month-closes", operator, body, **key)
    assert answer.status_code == 202
    started = answer.json()
    closure = MonthClosure.objects.get()
    assert started["id"] == closure.pk and started["status"] == "running"
    assert (closure.month, closure.closed_by) == (datetime.date(2026, 10, 1), operator)
    replay = _post(f"{API}/month-closes", operator, body, **key)
    assert replay.json() == started and replay["Idempotent-Replayed"] == "true"
    assert MonthClosure.objects.count() == 1

    month_close_run(closure_id=closure.pk)  # what the worker does
    progress = Client().get(f"{API}/month-closes/{closure.pk}", headers=bearer(operator)).json()
    assert progress["status"] == "closed" and progress["percent"] == 100
    assert progress["invoices"] == Invoice.objects.count() == 1
    assert progress["providers_done"] == progress["providers_total"] == 1
    months = Client().get(f"{API}/month-closes", headers=bearer(operator)).json()
    october = next(m for m in months if m["month"] == "2026-10-01")
    assert october["closure_id"] == closure.pk and october["status"] == "closed"
    assert october["certificate_amount"]["amount"] == Invoice.objects.get().certificate_amount

    # Another municipality's close does not exist for its operator; a month not over, or
    # closed already, is refused with the reason.
    stranger = bearer(two["operator_n"])
    assert Client().get(f"{API}/month-closes/{closure.pk}", headers=stranger).status_code == 404
    resume = f"{API}/month-closes/{closure.pk}/resume"
    assert _post(resume, two["operator_n"]).status_code == 404
    assert not AuditEvent.objects.filter(action="month_close_resume").exists()
    resumed = _post(resume, operator)
    assert resumed.status_code == 202 and resumed.json()["id"] == closure.pk
    assert AuditEvent.objects.get(action="month_close_resume").actor == operator
    current = _post(
        f"{API}/month-closes", operator, {"month": "2026-11"}, **{"Idempotency-Key": "nov"}
    )
    assert current.status_code == 409 and "не закончился" in current.json()["detail"]
    closed = _post(f"{API}/month-closes", operator, body, **{"Idempotency-Key": "oct-2"})
    assert closed.status_code == 409 and "уже закрыт" in closed.json()["detail"]
    # A regional administrator names the municipality.
    regional = two["regional"]
    unnamed = _post(f"{API}/month-closes", regional, body, **{"Idempotency-Key": "r1"})
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["field"] == "municipality"
    named = _post(
        f"{API}/month-closes",
        regional,
        {"month": "2026-10", "municipality": two["n"].municipality.pk},
        **{"Idempotency-Key": "r2"},
    )
    assert named.status_code == 202
    assert MonthClosure.objects.get(municipality=two["n"].municipality).status == (
        MonthClosureStatus.RUNNING
    )


def test_a_retried_start_with_the_same_key_replays_and_another_body_is_refused(two, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW), tick=False)
    headers = {**bearer(two["operator_m"]), "Idempotency-Key": "one"}
    first = Client().post(
        f"{API}/month-closes",
        {"month": "2026-10"},
        content_type="application/json",
        headers=headers,
    )
    again = Client().post(
        f"{API}/month-closes",
        {"month": "2026-10"},
        content_type="application/json",
        headers=headers,
    )
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = Client().post(
        f"{API}/month-closes",
        {"month": "2026-09"},
        content_type="application/json",
        headers=headers,
    )
    assert other.status_code == 422
    assert list(MonthClosure.objects.values_list("month", flat=True)) == [
        datetime.date(2026, 10, 1)
    ]
    keyless = Client().post(
        f"{API}/month-closes",
        {"month": "2026-09"},
        content_type="application/json",
        headers={"Authorization": headers["Authorization"]},
    )
    assert keyless.status_code == 400
    assert MonthClosure.objects.count() == 1


# Reports ---------------------------------------------------------------------------------------


def test_the_reports_figures_are_the_operators_municipality_and_money_in_kopecks(two):
    world = two["m"]
    contract = contract_made(world)
    lesson = world.group.lessons.get(date=TODAY)
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    operator = bearer(two["operator_m"])
    coverage = Client().get(f"{API}/reports/coverage", headers=operator).json()
    assert coverage["scope"]["municipality_ids"] == [world.municipality.pk]
    assert coverage["total"]["covered"] == 1
    technical = next(r for r in coverage["by_direction"] if r["key"] == "tekhnicheskoe")
    assert technical["covered"] == 1
    elsewhere = Client().get(f"{API}/reports/coverage", headers=bearer(two["operator_n"])).json()
    assert elsewhere["total"]["covered"] == 0
    foreign = Client().get(
        f"{API}/reports/coverage",
        {"municipality": world.municipality.pk},
        headers=bearer(two["operator_n"]),
    )
    assert foreign.status_code == 404
    regional = Client().get(f"{API}/reports/coverage", headers=bearer(two["regional"])).json()
    assert set(regional["scope"]["municipality_ids"]) >= {
        world.municipality.pk,
        two["n"].municipality.pk,
    }
    assert regional["total"]["covered"] == 1

    providers = Client().get(f"{API}/reports/providers", headers=operator).json()["providers"]
    ours = next(p for p in providers if p["provider_id"] == world.provider.pk)
    charged = contract.charges.get()
    assert ours["revenue_certificate"]["amount"] == charged.certificate_amount
    assert ours["contracts_total"] == 1
    money = Client().get(f"{API}/reports/money", headers=operator).json()["months"]
    october = next(m for m in money if m["month"] == "2026-10-01")
    assert october["spent"]["amount"] == charged.certificate_amount
    certificates = Client().get(f"{API}/reports/certificates", headers=operator).json()
    assert certificates["in_use"] == 1
    programs = Client().get(f"{API}/reports/programs", headers=operator).json()["programs"]
    assert {p["program_id"] for p in programs} == {world.program.pk}
    bad = Client().get(f"{API}/reports/coverage", {"on": "1899-01-01"}, headers=operator)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "on"


def test_every_staff_operation_declares_the_problems_it_may_answer():
    schema = Client().get("/api/v1/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        if path.startswith(("/api/v1/provider/", "/api/v1/operator/"))
        for method, operation in methods.items()
    ]
    assert len(operations) >= 30
    for path, method, operation in operations:
        declared = set(operation["responses"])
        assert {"401", "403", "404", "422", "429"} <= declared, (method, path)
        problem = operation["responses"]["404"]["content"]["application/problem+json"]["schema"]
        assert problem == {"$ref": "#/components/schemas/Problem"}
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", [])):
            assert {"400", "409"} <= declared, (method, path)
            assert "Idempotency-Key" in operation["description"]
    keyed = {
        (path, method)
        for path, method, operation in operations
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert keyed == {
        ("/api/v1/provider/applications/accept", "post"),
        ("/api/v1/provider/groups/{group_id}/attendance", "post"),
        ("/api/v1/operator/month-closes", "post"),
    }
