"""Feeds for other systems: the federal Navigator's package (docs/navigator-feed.md), the same
bytes as `kruzhok export navigator-feed`."""

import datetime

from django.http import HttpRequest, StreamingHttpResponse
from ninja import Field, Query, Router, Schema

from kruzhok.accounts.models import Role
from kruzhok.api.answers import moment_checked
from kruzhok.api.auth import principal
from kruzhok.api.navigator import navigator_feed
from kruzhok.api.navigator_schema import NavigatorPackage
from kruzhok.api.problems import ApiProblem, Problem

router = Router(tags=["Выгрузки"])


class NavigatorFilters(Schema):
    since: datetime.datetime | None = Field(
        None,
        description="только изменённое после этого момента (ISO 8601), удалённое — с "
        "isDeleted=true; без него — полная выгрузка",
    )
    municipality: int | None = Field(
        None, ge=1, le=2**31 - 1, description="региональному администратору: один муниципалитет"
    )


@router.get(
    "/navigator",
    response={200: NavigatorPackage, frozenset({401, 403, 422, 429}): Problem},
    summary="Пакет для федерального Навигатора",
)
def navigator(request: HttpRequest, filters: Query[NavigatorFilters]) -> StreamingHttpResponse:
    """Regions, partners, programs, groups and schedules: a municipal operator's municipality,
    or the whole region (or one municipality of it) for the regional administrator."""
    caller = principal(request, Role.OPERATOR, Role.REGIONAL_ADMIN)
    municipality_id = filters.municipality
    if caller.user.role == Role.OPERATOR:
        own = caller.user.municipality_id
        if own is None:
            raise ApiProblem(403, "У вашей учётной записи не указан муниципалитет.")
        if municipality_id not in (None, own):
            raise ApiProblem(403, "Оператору доступна выгрузка только своего муниципалитета.")
        municipality_id = own
    since = moment_checked(filters.since, field="since") if filters.since is not None else None
    chunks = navigator_feed(since=since, municipality_id=municipality_id)
    return StreamingHttpResponse(
        (chunk.encode() for chunk in chunks), content_type="application/json; charset=utf-8"
    )
