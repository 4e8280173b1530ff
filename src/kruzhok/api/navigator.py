"""The federal Navigator package (docs/navigator-feed.md): regions, partners, programs, groups
and weekly schedules of a municipality or of the whole region, in full or changed since a
moment, streamed as JSON text so that a region of 20,000 programs never sits in memory.

One reader for both doors: `kruzhok export navigator-feed` and `GET /api/v1/feeds/navigator`
write the same bytes. Reads only; a query per kind of item, each read in chunks.

Each item carries a `uuid` that never changes (uuid5 of NAMESPACE and «kind:id»), its
`localId`, `lastmodifiedTs` (epoch seconds) and `isDeleted`. An item is live while it and
everything above it are in the catalogue (the partner admitted, the program published); an
item's moment of change is the latest of its own and of everything above it, so a partner
blocked or a program unpublished since the given moment brings its programs, groups and
schedules into the increment as deleted. Deleted rows come from the API's tombstones.
"""

import datetime
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from kruzhok.api.navigator_schema import FORMAT, VERSION
from kruzhok.api.selectors import tombstone_list
from kruzhok.catalog.models import (
    DIRECTION_AIS_ID,
    Group,
    Program,
    ProgramState,
    ScheduleSlot,
)
from kruzhok.catalog.selectors import program_list_public
from kruzhok.common.models import AuditEvent, Municipality
from kruzhok.providers.models import Provider, ProviderStatus

# Fixed for ever: every uuid the portal has given the Navigator derives from it.
NAMESPACE = UUID("8d6b1f5e-3c2a-5b7e-9f41-6a0c2e7d4b19")
ACADEMIC_HOUR_MINUTES = 45
CHUNK = 2000
# Text handed to the HTTP server (or the file) at a time.
BUFFER_CHARS = 64 * 1024


def navigator_uuid(kind: str, pk: int | str) -> str:
    """The item's uuid in the Navigator: the same for the same object in every package."""
    return str(uuid5(NAMESPACE, f"{kind}:{pk}"))


def _ts(moment: datetime.datetime) -> int:
    return int(moment.timestamp())


@dataclass(frozen=True)
class _Partner:
    changed_at: datetime.datetime
    live: bool


def navigator_feed(
    *,
    since: datetime.datetime | None = None,
    municipality_id: int | None = None,
    now: datetime.datetime | None = None,
) -> Iterator[str]:
    """The package as JSON text in chunks: everything live in scope, or (with `since`) every
    item changed after `since`, live or deleted. `municipality_id` narrows it to one
    municipality's partners and what they run; None is the whole region."""
    now = now or timezone.now()
    feed = _Feed(since=since, municipality_id=municipality_id, now=now)
    head = {
        "format": FORMAT,
        "version": VERSION,
        "generatedTs": _ts(now),
        # A moment before 1970 asks for everything changed since the epoch.
        "sinceTs": max(0, _ts(since)) if since is not None else None,
        "municipalityLocalId": str(municipality_id) if municipality_id is not None else None,
    }
    return _buffered(feed.chunks(json.dumps(head, ensure_ascii=False)[:-1]))


def _dumps(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(",", ":"))


def _buffered(chunks: Iterable[str]) -> Iterator[str]:
    buffer: list[str] = []
    size = 0
    for chunk in chunks:
        buffer.append(chunk)
        size += len(chunk)
        if size >= BUFFER_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def _stub(kind: str, pk: int | str, changed_at: datetime.datetime) -> dict[str, Any]:
    return {
        "uuid": navigator_uuid(kind, pk),
        "localId": str(pk),
        "lastmodifiedTs": _ts(changed_at),
        "isDeleted": True,
    }


class _Feed:
    def __init__(
        self,
        *,
        since: datetime.datetime | None,
        municipality_id: int | None,
        now: datetime.datetime,
    ) -> None:
        self.since = since
        self.municipality_id = municipality_id
        self.now = now
        self.today = timezone.localdate(now)
        self.partners: dict[int, _Partner] = {}

    def chunks(self, head: str) -> Iterator[str]:
        yield head
        for name, items in (
            ("regions", self.regions()),
            ("partners", self.partner_items()),
            ("programs", self.programs()),
            ("groups", self.groups()),
            ("schedules", self.schedules()),
        ):
            yield f',\n"{name}":['
            separator = "\n"
            for item in items:
                yield separator + _dumps(item)
                separator = ",\n"
            yield "\n]"
        yield "}\n"

    def _changed(self, moment: datetime.datetime) -> bool:
        return self.since is None or moment > self.since

    def _scope(self, path: str) -> Q:
        """Rows whose partner is in the package's municipality (`path` leads to the provider)."""
        if self.municipality_id is None:
            return Q()
        return Q(**{f"{path}municipality_id": self.municipality_id})

    def _gone(self, kind: str) -> Iterator[dict[str, Any]]:
        """Deleted rows of the kind (the tombstones name no municipality: a package of one
        municipality tells of every deletion, which drops nothing the Navigator should keep)."""
        if self.since is None:
            return
        for pk, deleted_at in tombstone_list(kind=kind, since=self.since).values_list(
            "object_id", "deleted_at"
        ):
            yield _stub(kind, pk, deleted_at)

    # Regions -----------------------------------------------------------------------------

    def regions(self) -> Iterator[dict[str, Any]]:
        """Reference data without a moment of change: sent whole in every package, marked as
        changed when the package was made."""
        municipalities = Municipality.objects.order_by("region_code", "name", "pk")
        if self.municipality_id is not None:
            municipalities = municipalities.filter(pk=self.municipality_id)
        regions: dict[str, dict[str, Any]] = {}
        stamp = _ts(self.now)
        for code, region_name, pk, name in municipalities.values_list(
            "region_code", "region_name", "pk", "name"
        ):
            region = regions.setdefault(
                code,
                {
                    "uuid": navigator_uuid("region", code),
                    "localId": code,
                    "lastmodifiedTs": stamp,
                    "isDeleted": False,
                    "code": code,
                    "name": region_name,
                    "municipalities": [],
                },
            )
            region["municipalities"].append(
                {
                    "uuid": navigator_uuid("municipality", pk),
                    "localId": str(pk),
                    "lastmodifiedTs": stamp,
                    "isDeleted": False,
                    "name": name,
                }
            )
        yield from regions.values()

    # Partners ----------------------------------------------------------------------------

    def partner_items(self) -> Iterator[dict[str, Any]]:
        """Every provider in scope is read (a region has thousands, not more): what is below
        a partner takes its moment of change and its admission from here."""
        audited = dict(
            AuditEvent.objects.filter(object_type=Provider._meta.label_lower)
            .values("object_id")
            .annotate(at=Max("created_at"))
            .values_list("object_id", "at")
        )
        providers = (
            Provider.objects.filter(self._scope(""))
            .annotate(moderated_at=Max("moderation_events__at"))
            .order_by("pk")
            .values(
                "pk",
                "kind",
                "full_name",
                "short_name",
                "inn",
                "ogrn",
                "kpp",
                "license_number",
                "address",
                "municipality_id",
                "phone",
                "email",
                "website",
                "status",
                "created_at",
                "moderated_at",
            )
        )
        for row in providers:
            # Joining, moderation and profile changes are when a partner changes (Provider
            # keeps no moment of its own change; each of those leaves a row behind).
            moments = [row["created_at"], row["moderated_at"], audited.get(str(row["pk"]))]
            changed_at = max(m for m in moments if m is not None)
            partner = _Partner(changed_at=changed_at, live=row["status"] == ProviderStatus.APPROVED)
            self.partners[row["pk"]] = partner
            if not self._changed(changed_at) or (not partner.live and self.since is None):
                continue
            if not partner.live:
                yield _stub("partner", row["pk"], changed_at)
                continue
            yield {
                "uuid": navigator_uuid("partner", row["pk"]),
                "localId": str(row["pk"]),
                "lastmodifiedTs": _ts(changed_at),
                "isDeleted": False,
                "municipalityUuid": navigator_uuid("municipality", row["municipality_id"]),
                "kind": row["kind"],
                "fullName": row["full_name"],
                "shortName": row["short_name"],
                "inn": row["inn"],
                "ogrn": row["ogrn"],
                "kpp": row["kpp"],
                "licenseNumber": row["license_number"],
                "address": row["address"],
                "phone": row["phone"],
                "email": row["email"],
                "website": row["website"],
            }

    def _changed_partner_ids(self) -> list[int]:
        assert self.since is not None
        return [pk for pk, p in self.partners.items() if p.changed_at > self.since]

    def _rows(
        self, queryset: QuerySet[Any], path: str, moments: tuple[str, ...], *fields: str
    ) -> Iterator[dict[str, Any]]:
        """The rows of a kind in scope (`path` leads to the program): live ones (full), or those
        whose moment of change or one above (the `moments` fields) is after `since`, each
        knowing whether its program is in the catalogue (`public`)."""
        to_program = f"{path}__" if path else ""
        queryset = queryset.filter(self._scope(f"{to_program}provider__"))
        if self.since is None:
            queryset = queryset.filter(
                **{f"{path or 'pk'}__in": program_list_public().values("pk")}
            )
        else:
            changed = Q(**{f"{to_program}provider_id__in": self._changed_partner_ids()})
            for moment in moments:
                changed |= Q(**{f"{moment}__gt": self.since})
            program_ref = OuterRef(f"{path}_id" if path else "pk")
            queryset = (
                queryset.filter(changed)
                .exclude(**{f"{to_program}state": ProgramState.DRAFT})
                .annotate(public=Exists(program_list_public().filter(pk=program_ref)))
            )
            fields = (*fields, "public")
        yield from queryset.order_by("pk").values(*fields).iterator(chunk_size=CHUNK)

    def _moment(self, row: dict[str, Any], *moments: datetime.datetime) -> datetime.datetime:
        partner = self.partners.get(row["provider_id"])
        return max([*moments, partner.changed_at] if partner else list(moments))

    # Programs ----------------------------------------------------------------------------

    def programs(self) -> Iterator[dict[str, Any]]:
        rows = self._rows(
            Program.objects.all(),
            "",
            ("updated_at",),
            "pk",
            "provider_id",
            "provider__municipality_id",
            "title",
            "description",
            "direction",
            "program_type",
            "level",
            "study_form",
            "financing_source",
            "age_min",
            "age_max",
            "duration_months",
            "hours_per_week",
            "price_per_hour",
            "accessible_ovz",
            "address",
            "updated_at",
        )
        for row in rows:
            changed_at = self._moment(row, row["updated_at"])
            if not self._changed(changed_at):
                continue
            if not row.get("public", True):
                yield _stub("program", row["pk"], changed_at)
                continue
            yield {
                "uuid": navigator_uuid("program", row["pk"]),
                "localId": str(row["pk"]),
                "lastmodifiedTs": _ts(changed_at),
                "isDeleted": False,
                "partnerUuid": navigator_uuid("partner", row["provider_id"]),
                "municipalityUuid": navigator_uuid(
                    "municipality", row["provider__municipality_id"]
                ),
                "title": row["title"],
                "description": row["description"],
                "direction": row["direction"],
                "directionId": DIRECTION_AIS_ID[row["direction"]],
                "programType": row["program_type"],
                "level": row["level"],
                "studyForm": row["study_form"],
                "financingSource": row["financing_source"],
                # Years in the portal, months in the Navigator (11 years are 132 months).
                "ageFromMonths": row["age_min"] * 12,
                "ageToMonths": row["age_max"] * 12,
                "durationMonths": row["duration_months"],
                "hoursPerWeek": row["hours_per_week"],
                "pricePerHour": {"amount": row["price_per_hour"], "currency": "RUB"},
                "ovz": row["accessible_ovz"],
                "address": row["address"],
            }
        yield from self._gone("program")

    # Groups ------------------------------------------------------------------------------

    def groups(self) -> Iterator[dict[str, Any]]:
        groups = Group.objects.all()
        if self.since is None:
            groups = groups.filter(end_date__gte=self.today)
        rows = self._rows(
            groups,
            "program",
            ("updated_at", "program__updated_at"),
            "pk",
            "program_id",
            "name",
            "capacity",
            "seats_taken",
            "start_date",
            "end_date",
            "enrollment_open",
            "updated_at",
            "program__updated_at",
            "program__provider_id",
        )
        for row in rows:
            row["provider_id"] = row["program__provider_id"]
            changed_at = self._moment(row, row["updated_at"], row["program__updated_at"])
            if not self._changed(changed_at):
                continue
            if not row.get("public", True):
                yield _stub("group", row["pk"], changed_at)
                continue
            yield {
                "uuid": navigator_uuid("group", row["pk"]),
                "localId": str(row["pk"]),
                "lastmodifiedTs": _ts(changed_at),
                "isDeleted": False,
                "programUuid": navigator_uuid("program", row["program_id"]),
                "name": row["name"],
                "capacity": row["capacity"],
                "freeSeats": row["capacity"] - row["seats_taken"],
                "startDate": row["start_date"].isoformat(),
                "endDate": row["end_date"].isoformat(),
                "enrollmentOpen": row["enrollment_open"],
            }
        yield from self._gone("group")

    # Schedules ---------------------------------------------------------------------------

    def schedules(self) -> Iterator[dict[str, Any]]:
        slots = ScheduleSlot.objects.all()
        if self.since is None:
            slots = slots.filter(group__end_date__gte=self.today)
        rows = self._rows(
            slots,
            "group__program",
            # A slot has no moment of its own: a schedule is rewritten with its group.
            ("group__updated_at", "group__program__updated_at"),
            "pk",
            "group_id",
            "weekday",
            "start_time",
            "hours",
            "group__updated_at",
            "group__program__updated_at",
            "group__program__provider_id",
        )
        for row in rows:
            row["provider_id"] = row["group__program__provider_id"]
            changed_at = self._moment(
                row, row["group__updated_at"], row["group__program__updated_at"]
            )
            if not self._changed(changed_at):
                continue
            if not row.get("public", True):
                yield _stub("schedule", row["pk"], changed_at)
                continue
            yield {
                "uuid": navigator_uuid("schedule", row["pk"]),
                "localId": str(row["pk"]),
                "lastmodifiedTs": _ts(changed_at),
                "isDeleted": False,
                "groupUuid": navigator_uuid("group", row["group_id"]),
                "dayOfWeek": row["weekday"] + 1,
                "startTime": row["start_time"].strftime("%H:%M"),
                "academicHours": row["hours"],
                "durationMinutes": row["hours"] * ACADEMIC_HOUR_MINUTES,
            }
        yield from self._gone("schedule")
