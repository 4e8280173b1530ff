"""The shape of the federal Navigator package (docs/navigator-feed.md): typed models that the
OpenAPI document shows for `GET /api/v1/feeds/navigator` and from which the JSON Schema kept
in docs/navigator-feed.schema.json is generated (`kruzhok export navigator-schema`).

The package itself is streamed item by item (`api.navigator`), not built from these models:
a test validates what is streamed against the generated JSON Schema.
"""

import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import ConfigDict, Field

from kruzhok.catalog.models import (
    DIRECTION_AIS_ID,
    Direction,
    FinancingSource,
    ProgramLevel,
    ProgramType,
    StudyForm,
)
from kruzhok.providers.models import ProviderKind

FORMAT = "kruzhok-navigator-feed"
VERSION = 1

DirectionSlug = Literal[tuple(Direction.values)]  # type: ignore[valid-type]
DirectionAisId = Literal[tuple(sorted(DIRECTION_AIS_ID.values()))]  # type: ignore[valid-type]
ProgramTypeCode = Literal[tuple(ProgramType.values)]  # type: ignore[valid-type]
LevelCode = Literal[tuple(ProgramLevel.values)]  # type: ignore[valid-type]
StudyFormCode = Literal[tuple(StudyForm.values)]  # type: ignore[valid-type]
SourceCode = Literal[tuple(FinancingSource.values)]  # type: ignore[valid-type]
PartnerKind = Literal[tuple(ProviderKind.values)]  # type: ignore[valid-type]

Timestamp = Annotated[int, Field(ge=0, description="секунды Unix-времени (UTC)")]
LocalId = Annotated[str, Field(pattern=r"^[0-9]+$", description="id в портале «Кружок»")]
Months = Annotated[int, Field(ge=60, le=216, description="возраст в месяцах (11 лет — 132)")]


class NavigatorItem(Schema):
    """What every item of the package carries."""

    model_config = ConfigDict(extra="forbid")

    uuid: UUID = Field(description="постоянный: uuid5 вида и id объекта")
    localId: LocalId
    lastmodifiedTs: Timestamp


class NavigatorDeleted(NavigatorItem):
    """An item to drop: deleted, unpublished, archived, or its partner no longer admitted."""

    isDeleted: Literal[True]


class NavigatorLive(NavigatorItem):
    isDeleted: Literal[False]


class NavigatorMunicipality(NavigatorLive):
    name: str


class NavigatorRegion(NavigatorLive):
    code: str = Field(pattern=r"^[0-9]{2}$", description="код субъекта РФ")
    name: str
    municipalities: list[NavigatorMunicipality]


class NavigatorPartner(NavigatorLive):
    """A provider (поставщик) admitted to the catalogue."""

    municipalityUuid: UUID
    kind: PartnerKind  # type: ignore[valid-type]
    fullName: str
    shortName: str
    inn: str = Field(pattern=r"^([0-9]{10}|[0-9]{12})$")
    ogrn: str = Field(pattern=r"^([0-9]{13}|[0-9]{15})$")
    kpp: str = Field(pattern=r"^([0-9]{9})?$")
    licenseNumber: str
    address: str
    phone: str
    email: str
    website: str


class NavigatorMoney(Schema):
    model_config = ConfigDict(extra="forbid")

    amount: int = Field(ge=0, description="копейки")
    currency: Literal["RUB"]


class NavigatorProgram(NavigatorLive):
    partnerUuid: UUID
    municipalityUuid: UUID
    title: str
    description: str
    direction: DirectionSlug  # type: ignore[valid-type]
    directionId: DirectionAisId  # type: ignore[valid-type]
    programType: ProgramTypeCode  # type: ignore[valid-type]
    level: LevelCode  # type: ignore[valid-type]
    studyForm: StudyFormCode  # type: ignore[valid-type]
    financingSource: SourceCode  # type: ignore[valid-type]
    ageFromMonths: Months
    ageToMonths: Months
    durationMonths: int = Field(ge=1)
    hoursPerWeek: int = Field(ge=1)
    pricePerHour: NavigatorMoney
    ovz: bool = Field(description="доступна детям с ОВЗ")
    address: str


class NavigatorGroup(NavigatorLive):
    programUuid: UUID
    name: str
    capacity: int = Field(ge=0)
    freeSeats: int = Field(ge=0, description="на момент выгрузки; не меняет lastmodifiedTs")
    startDate: datetime.date
    endDate: datetime.date
    enrollmentOpen: bool


class NavigatorSchedule(NavigatorLive):
    """A weekly class of a group."""

    groupUuid: UUID
    dayOfWeek: int = Field(ge=1, le=7, description="1 — понедельник … 7 — воскресенье")
    startTime: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    academicHours: int = Field(ge=1, le=8)
    durationMinutes: int = Field(ge=45, description="академический час — 45 минут")


class NavigatorPackage(Schema):
    """A package of the federal Navigator: everything in scope (full), or what changed since
    a moment (incremental), items to drop marked isDeleted."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["kruzhok-navigator-feed"]
    version: Literal[1]
    generatedTs: Timestamp
    sinceTs: Timestamp | None = Field(description="null — полная выгрузка")
    municipalityLocalId: LocalId | None = Field(description="null — весь регион")
    regions: list[NavigatorRegion]
    partners: list[NavigatorPartner | NavigatorDeleted]
    programs: list[NavigatorProgram | NavigatorDeleted]
    groups: list[NavigatorGroup | NavigatorDeleted]
    schedules: list[NavigatorSchedule | NavigatorDeleted]


def navigator_json_schema() -> dict[str, Any]:
    """The package's JSON Schema (draft 2020-12), as kept in docs/navigator-feed.schema.json."""
    schema = NavigatorPackage.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://kruzhok.example/schemas/navigator-feed-v1.json",
        **schema,
    }
