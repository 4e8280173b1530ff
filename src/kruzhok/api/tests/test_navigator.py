"""The federal Navigator package: its documented shape, stable uuids, the increment with deleted
and unpublished items, who may read it, and the command writing the same bytes as the API."""

import datetime
import io
import json
from pathlib import Path
from uuid import UUID, uuid5

import jsonschema_rs
import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.api.navigator import NAMESPACE, navigator_uuid
from kruzhok.api.navigator_schema import navigator_json_schema
from kruzhok.api.tests.conftest import bearer
from kruzhok.catalog.models import Program, ProgramState
from kruzhok.catalog.moderation import program_archive
from kruzhok.enrollment.tests.world import (
    NOW,
    group_make,
    program_make,
    provider_make,
    user_make,
    world_make,
)
from kruzhok.providers.models import ProviderModerationEvent, ProviderStatus

pytestmark = pytest.mark.django_db

FEED = "/api/v1/feeds/navigator"
SCHEMA_FILE = Path(__file__).resolve().parents[4] / "docs" / "navigator-feed.schema.json"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def validator() -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(
        json.loads(SCHEMA_FILE.read_text(encoding="utf-8")), validate_formats=True
    )


def assert_valid(package: dict) -> None:
    errors = [f"{e.instance_path}: {e.message}" for e in validator().iter_errors(package)]
    assert errors == []


def operator_headers(world) -> dict[str, str]:
    return bearer(user_make(Role.OPERATOR, world.municipality))


def by_kind(package: dict, kind: str) -> dict[str, dict]:
    return {item["localId"]: item for item in package[kind]}


def test_the_kept_json_schema_is_the_one_the_models_describe():
    # Regenerate with `kruzhok export navigator-schema --output docs/navigator-feed.schema.json`.
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == navigator_json_schema()


def test_the_schema_refuses_what_the_package_must_not_hold():
    item = {"uuid": navigator_uuid("program", 1), "localId": "1", "lastmodifiedTs": 1}
    package = {
        "format": "kruzhok-navigator-feed",
        "version": 1,
        "generatedTs": 1,
        "sinceTs": None,
        "municipalityLocalId": None,
        "regions": [],
        "partners": [],
        "programs": [item | {"isDeleted": True}],
        "groups": [],
        "schedules": [],
    }
    assert validator().is_valid(package)
    for broken in (
        {"programs": [item | {"isDeleted": False}]},  # a live program without its fields
        {"programs": [item | {"isDeleted": True, "title": "x"}]},
        {"programs": [item | {"uuid": "not-a-uuid", "isDeleted": True}]},
        {"sinceTs": "2026-10-15"},
    ):
        assert not validator().is_valid(package | broken), broken


def test_the_full_package_matches_its_schema_with_slug_codes_months_and_stable_uuids(clock):
    world = world_make(price_per_hour=169_01)
    answer = Client().get(FEED, headers=operator_headers(world))
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/json")
    package = json.loads(b"".join(answer.streaming_content))
    assert_valid(package)
    assert package["sinceTs"] is None
    assert package["generatedTs"] == int(NOW.timestamp())
    assert package["municipalityLocalId"] == str(world.municipality.pk)

    [region] = package["regions"]
    assert region["code"] == "26" and region["name"] == "Ставропольский край"
    assert [m["name"] for m in region["municipalities"]] == [world.municipality.name]
    partner = by_kind(package, "partners")[str(world.provider.pk)]
    assert partner["inn"] == world.provider.inn and partner["isDeleted"] is False
    program = by_kind(package, "programs")[str(world.program.pk)]
    assert program["uuid"] == str(UUID(navigator_uuid("program", world.program.pk)))
    assert UUID(program["uuid"]).version == 5
    assert program["partnerUuid"] == partner["uuid"]
    assert program["municipalityUuid"] == region["municipalities"][0]["uuid"]
    assert (program["direction"], program["directionId"]) == ("tekhnicheskoe", 2)
    assert (program["ageFromMonths"], program["ageToMonths"]) == (7 * 12, 14 * 12)
    assert program["pricePerHour"] == {"amount": 169_01, "currency": "RUB"}
    assert program["lastmodifiedTs"] == int(world.program.updated_at.timestamp())
    group = by_kind(package, "groups")[str(world.group.pk)]
    assert group["programUuid"] == program["uuid"]
    assert group["freeSeats"] == world.group.capacity
    schedules = [s for s in package["schedules"] if s["groupUuid"] == group["uuid"]]
    # Tuesdays and Thursdays at 15:00, two academic hours: ISO weekdays in the package.
    assert sorted((s["dayOfWeek"], s["startTime"], s["durationMinutes"]) for s in schedules) == [
        (2, "15:00", 90),
        (4, "15:00", 90),
    ]
    # The same objects keep their uuids in the next package.
    again = json.loads(
        b"".join(Client().get(FEED, headers=operator_headers(world)).streaming_content)
    )
    assert [p["uuid"] for p in again["programs"]] == [p["uuid"] for p in package["programs"]]
    assert navigator_uuid("group", 7) == str(uuid5(NAMESPACE, "group:7"))


def test_a_full_package_leaves_out_unpublished_programs_and_unadmitted_partners(clock):
    world = world_make()
    draft = program_make(world.provider, title="На модерации")
    Program.objects.filter(pk=draft.pk).update(state=ProgramState.MODERATING)
    group_make(draft, world.teacher)
    pending, _, _ = provider_make(world.municipality)
    pending.status = ProviderStatus.MODERATING
    pending.save(update_fields=["status"])
    package = json.loads(
        b"".join(Client().get(FEED, headers=operator_headers(world)).streaming_content)
    )
    assert set(by_kind(package, "programs")) == {str(world.program.pk)}
    assert set(by_kind(package, "groups")) == {str(world.group.pk)}
    assert set(by_kind(package, "partners")) == {str(world.provider.pk)}
    assert all(not item["isDeleted"] for kind in ("programs", "groups") for item in package[kind])


def test_the_increment_holds_what_changed_and_marks_unpublished_and_deleted_items(clock):
    world = world_make()
    unpublished = program_make(world.provider, title="Скоро снимут")
    unpublished_group = group_make(unpublished, world.teacher)
    doomed = group_make(world.program, world.teacher)
    doomed_pk = doomed.pk
    doomed_slots = list(doomed.schedule.values_list("pk", flat=True))
    untouched = program_make(world.provider, title="Не менялась")

    clock.move_to(NOW + datetime.timedelta(hours=1))
    since = timezone.now()
    clock.move_to(since + datetime.timedelta(minutes=5))
    fresh = program_make(world.provider, title="Новая программа")
    program_archive(actor=world.admin, program=unpublished)
    doomed.delete()

    headers = operator_headers(world)
    answer = Client().get(FEED, {"since": since.isoformat()}, headers=headers)
    assert answer.status_code == 200
    package = json.loads(b"".join(answer.streaming_content))
    assert_valid(package)
    assert package["sinceTs"] == int(since.timestamp())

    programs = by_kind(package, "programs")
    assert set(programs) == {str(fresh.pk), str(unpublished.pk)}
    assert str(untouched.pk) not in programs
    assert programs[str(fresh.pk)]["isDeleted"] is False
    assert programs[str(unpublished.pk)] == {
        "uuid": navigator_uuid("program", unpublished.pk),
        "localId": str(unpublished.pk),
        "lastmodifiedTs": int(Program.objects.get(pk=unpublished.pk).updated_at.timestamp()),
        "isDeleted": True,
    }
    groups = by_kind(package, "groups")
    # The unpublished program's group goes with it; the deleted group from its tombstone.
    assert groups[str(unpublished_group.pk)]["isDeleted"] is True
    assert groups[str(doomed_pk)]["isDeleted"] is True
    assert groups[str(doomed_pk)]["uuid"] == navigator_uuid("group", doomed_pk)
    assert str(world.group.pk) not in groups
    schedules = by_kind(package, "schedules")
    for pk in doomed_slots:
        assert schedules[str(pk)]["isDeleted"] is True
    for pk in unpublished_group.schedule.values_list("pk", flat=True):
        assert schedules[str(pk)]["isDeleted"] is True
    # Nothing changed since the partner joined: it is not sent again.
    assert package["partners"] == []

    later = Client().get(FEED, {"since": timezone.now().isoformat()}, headers=headers)
    quiet = json.loads(b"".join(later.streaming_content))
    assert [quiet[k] for k in ("partners", "programs", "groups", "schedules")] == [[], [], [], []]
    assert quiet["regions"]  # reference data travels in every package


def test_a_partner_no_longer_admitted_takes_its_programs_out_in_the_increment(clock):
    world = world_make()
    since = timezone.now()
    clock.move_to(since + datetime.timedelta(minutes=5))
    ProviderModerationEvent.objects.create(
        provider=world.provider,
        from_status=ProviderStatus.APPROVED,
        to_status=ProviderStatus.BLOCKED,
        remarks="Лицензия приостановлена.",
    )
    world.provider.status = ProviderStatus.BLOCKED
    world.provider.save(update_fields=["status"])
    package = json.loads(
        b"".join(
            Client()
            .get(FEED, {"since": since.isoformat()}, headers=operator_headers(world))
            .streaming_content
        )
    )
    assert_valid(package)
    assert [(p["localId"], p["isDeleted"]) for p in package["partners"]] == [
        (str(world.provider.pk), True)
    ]
    assert [(p["localId"], p["isDeleted"]) for p in package["programs"]] == [
        (str(world.program.pk), True)
    ]
    assert [(g["localId"], g["isDeleted"]) for g in package["groups"]] == [
        (str(world.group.pk), True)
    ]


def test_an_operator_gets_their_municipality_and_the_regional_administrator_any(clock):
    world = world_make()
    other = world_make()
    headers = operator_headers(world)
    package = json.loads(b"".join(Client().get(FEED, headers=headers).streaming_content))
    assert set(by_kind(package, "programs")) == {str(world.program.pk)}
    refused = Client().get(FEED, {"municipality": other.municipality.pk}, headers=headers)
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"

    regional = bearer(user_make(Role.REGIONAL_ADMIN))
    everything = json.loads(b"".join(Client().get(FEED, headers=regional).streaming_content))
    assert {str(world.program.pk), str(other.program.pk)} <= set(by_kind(everything, "programs"))
    assert everything["municipalityLocalId"] is None
    one = Client().get(FEED, {"municipality": other.municipality.pk}, headers=regional)
    assert set(by_kind(json.loads(b"".join(one.streaming_content)), "programs")) == {
        str(other.program.pk)
    }


def test_parents_providers_and_strangers_cannot_read_the_feed(clock):
    world = world_make()
    assert Client().get(FEED).status_code == 401
    for headers in (
        bearer(world.parent),
        bearer(world.admin, provider_id=world.provider.pk),
        bearer(user_make(Role.OPERATOR)),  # an operator of no municipality
    ):
        answer = Client().get(FEED, headers=headers)
        assert answer.status_code == 403
        assert answer["Content-Type"] == "application/problem+json"
    session = Client()
    session.force_login(world.parent)
    assert session.get(FEED).status_code == 403
    # Outside 2000–2100 no change can be (and PostgreSQL cannot compare some such moments):
    # the endpoint says what to send; the console command still takes any moment.
    ancient = Client().get(FEED, {"since": "0001-01-01T00:00:00Z"}, headers=operator_headers(world))
    assert ancient.status_code == 422 and ancient.json()["errors"][0]["field"] == "since"
    bad = Client().get(FEED, {"since": "вчера"}, headers=operator_headers(world))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "since"


def test_the_command_writes_the_same_bytes_as_the_endpoint(clock, tmp_path):
    world = world_make()
    since = timezone.now() - datetime.timedelta(days=1)
    program_archive(actor=world.admin, program=program_make(world.provider, title="Архив"))
    regional = bearer(user_make(Role.REGIONAL_ADMIN))
    for query, options in (
        ({}, []),
        ({"since": since.isoformat()}, ["--since", since.isoformat()]),
        ({"municipality": world.municipality.pk}, ["--municipality", str(world.municipality.pk)]),
    ):
        served = b"".join(Client().get(FEED, query, headers=regional).streaming_content)
        printed = io.StringIO()
        call_command("export", "navigator-feed", *options, stdout=printed)
        assert printed.getvalue().encode() == served
        target = tmp_path / "feed.json"
        call_command("export", "navigator-feed", *options, "--output", str(target))
        assert target.read_bytes() == served
    assert_valid(json.loads(served))


def test_the_command_says_what_to_fix_in_russian(clock):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("export", "navigator-feed", "--since", "вчера")
    with pytest.raises(CommandError, match="не найден"):
        call_command("export", "navigator-feed", "--municipality", "999999")
