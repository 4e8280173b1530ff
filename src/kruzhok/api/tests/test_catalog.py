"""The public catalogue over the API: the pages' search, keyset pages, sync by updated_since
with tombstones, and problem documents for bad input."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from kruzhok.catalog.models import Program, ProgramState
from kruzhok.catalog.moderation import program_archive
from kruzhok.enrollment.tests.world import group_make, program_make, world_make

pytestmark = pytest.mark.django_db

PROGRAMS = "/api/v1/catalog/programs"


def test_the_search_finds_by_word_forms_as_the_pages_do_and_reports_money_in_kopecks():
    world = world_make(price_per_hour=169_01)
    program_make(world.provider, title="Академический рисунок", description="Графика.")
    answer = Client().get(PROGRAMS, {"q": "робот"})
    assert answer.status_code == 200
    items = answer.json()["items"]
    assert [item["title"] for item in items] == ["Робототехника"]
    item = items[0]
    assert item["price_per_hour"] == {"amount": 169_01, "currency": "RUB"}
    assert item["free_seats"] == world.group.capacity
    assert item["provider"]["id"] == world.provider.pk
    assert [i["title"] for i in Client().get(PROGRAMS, {"q": "рисование"}).json()["items"]] == [
        "Академический рисунок"
    ]
    assert Client().get(PROGRAMS, {"q": "🎨"}).json()["items"] == []
    assert Client().get(PROGRAMS, {"age": 16}).json()["items"] == []
    other = Client().get(PROGRAMS, {"municipality": world.municipality.pk + 1000}).json()
    assert other["items"] == []


def test_keyset_pages_walk_every_program_once_even_when_one_is_added_midway():
    world = world_make()
    for n in range(6):
        program_make(world.provider, title=f"Шахматы {n:02d}")
    seen: list[int] = []
    answer = Client().get(PROGRAMS, {"limit": 3}).json()
    seen += [i["id"] for i in answer["items"]]
    # A program that sorts before the cursor appears meanwhile: no page repeats a row for it.
    program_make(world.provider, title="Аэробика")
    while answer["next_cursor"]:
        answer = Client().get(PROGRAMS, {"limit": 3, "cursor": answer["next_cursor"]}).json()
        seen += [i["id"] for i in answer["items"]]
    titles = dict(Program.objects.values_list("pk", "title"))
    assert len(seen) == len(set(seen)) == 7
    assert [titles[pk] for pk in seen] == sorted(titles[pk] for pk in seen)


def test_updated_since_returns_changes_and_tombstones_of_programs_gone(time_machine):
    world = world_make()
    hidden = program_make(world.provider, title="Скоро снимут")
    doomed = program_make(world.provider, title="Черновик на удаление")
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=1))
    since = timezone.now()
    time_machine.move_to(since + datetime.timedelta(minutes=5))
    changed = program_make(world.provider, title="Новая программа")
    program_archive(actor=world.admin, program=hidden)
    doomed_pk = doomed.pk
    doomed.groups.all().delete()
    doomed.delete()
    answer = Client().get(PROGRAMS, {"updated_since": since.isoformat()}).json()
    assert [i["id"] for i in answer["items"]] == [changed.pk]
    assert {row["id"] for row in answer["deleted"]} == {hidden.pk, doomed_pk}
    assert Program.objects.get(pk=hidden.pk).state != ProgramState.PUBLISHED


def test_program_and_group_details_carry_seats_costs_schedule_and_lessons():
    world = world_make(price_per_hour=150_00)
    answer = Client().get(f"{PROGRAMS}/{world.program.pk}")
    assert answer.status_code == 200
    body = answer.json()
    group = body["groups"][0]
    assert group["id"] == world.group.pk
    assert [slot["weekday"] for slot in group["schedule"]] == [1, 3]
    assert group["cost_rest_of_course"]["currency"] == "RUB"
    assert group["cost_rest_of_course"]["amount"] % 150_00 == 0
    detail = Client().get(f"/api/v1/catalog/groups/{world.group.pk}").json()
    assert detail["lessons"] and detail["lessons"][0]["date"] >= timezone.localdate().isoformat()


def test_bad_input_and_hidden_objects_are_problem_documents_in_russian():
    world = world_make()
    draft = program_make(world.provider, title="Черновик")
    Program.objects.filter(pk=draft.pk).update(state=ProgramState.DRAFT)
    hidden_group = group_make(draft, world.teacher)
    for url in (f"{PROGRAMS}/{draft.pk}", f"/api/v1/catalog/groups/{hidden_group.pk}"):
        answer = Client().get(url)
        assert answer.status_code == 404
        assert answer["Content-Type"] == "application/problem+json"
        assert answer.json()["status"] == 404
    answer = Client().get(PROGRAMS, {"age": "семь", "limit": 0, "direction": "magic"})
    assert answer.status_code == 422
    problem = answer.json()
    assert answer["Content-Type"] == "application/problem+json"
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert fields["age"] == "Нужно целое число."
    assert fields["limit"] == "Нужно число не меньше 1."
    assert "tekhnicheskoe" in fields["direction"]
    assert "age" in problem["detail"]
    answer = Client().get(PROGRAMS, {"cursor": "не-курсор"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "cursor"


def test_groups_and_lessons_sync_by_updated_since_with_their_tombstones(time_machine):
    from kruzhok.attendance.lessons import lesson_cancel
    from kruzhok.catalog.groups import group_update

    world = world_make()
    spare = group_make(world.program, world.teacher)
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=1))
    since = timezone.now()
    time_machine.move_to(since + datetime.timedelta(minutes=5))

    # Nothing changed yet: an empty page.
    answer = Client().get("/api/v1/catalog/groups", {"updated_since": since.isoformat()}).json()
    assert answer["items"] == [] and answer["deleted"] == []

    group_update(
        group=world.group,
        name=world.group.name,
        capacity=world.group.capacity + 5,
        start_date=world.group.start_date,
        end_date=world.group.end_date,
        schedule=[(1, datetime.time(15, 0), 2), (3, datetime.time(15, 0), 2)],
        teacher=world.teacher,
    )
    spare_pk = spare.pk
    spare.lessons.all().delete()
    spare.delete()
    answer = Client().get("/api/v1/catalog/groups", {"updated_since": since.isoformat()}).json()
    assert [g["id"] for g in answer["items"]] == [world.group.pk]
    assert answer["items"][0]["capacity"] == world.group.capacity + 5
    assert [row["id"] for row in answer["deleted"]] == [spare_pk]

    # Every group of the catalogue, page by page, without updated_since.
    first = Client().get("/api/v1/catalog/groups", {"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"] is None

    lesson = world.group.lessons.filter(date__gt=timezone.localdate()).first()
    lessons_since = timezone.now()
    time_machine.move_to(lessons_since + datetime.timedelta(minutes=1))
    lesson_cancel(actor=world.admin, lesson=lesson, reason="Педагог на курсах")
    answer = (
        Client()
        .get(
            "/api/v1/catalog/lessons",
            {"group": world.group.pk, "updated_since": lessons_since.isoformat()},
        )
        .json()
    )
    assert [(row["id"], row["cancelled"]) for row in answer["items"]] == [(lesson.pk, True)]
    assert Client().get("/api/v1/catalog/lessons", {"group": 2**31 - 1}).status_code == 404


def test_an_updated_since_outside_any_change_is_refused_with_what_to_send():
    for moment in ("0231-11-28T02:49:51-23:00", "0001-01-01T00:00:00+14:00", "2999-01-01T00:00"):
        for url in (
            "/api/v1/catalog/programs",
            "/api/v1/catalog/groups",
            "/api/v1/catalog/lessons",
        ):
            answer = Client().get(url, {"updated_since": moment})
            assert answer.status_code == 422, (url, moment)
            assert answer.json()["errors"][0]["field"] == "updated_since"
