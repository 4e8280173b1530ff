"""What the routers share: answers as HTTP responses (what `idempotent()` keeps and replays),
decisions through a service answered with the object as it stands after, the counts of a bulk
operation's outcomes, the months, dates and times a client sends or reads, and the error
codes each kind of operation declares."""

import datetime
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Header, Schema

from kruzhok.accounts.models import User
from kruzhok.api.problems import ApiProblem
from kruzhok.common.bounds import date_in_range

IdPath = Annotated[int, Field(ge=1, le=2**31 - 1)]
# Required, though the schema says optional: without it the answer is a Russian 400 that
# says what to send, not a validation error.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="уникальная строка операции (например, UUID): повтор с тем же ключом и "
        "телом вернёт первый ответ, не выполняя операцию снова",
    ),
]
# A lesson's wall-clock time in Moscow, «15:00»: JSON Schema's "time" format is RFC 3339's
# full-time, which demands an offset that a timetable does not have.
LocalTime = Annotated[
    str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="ЧЧ:ММ, время Москвы")
]
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"

# The errors each kind of operation may answer (RFC 7807 documents), declared so that the
# schema says every status a client will meet; a body that is not JSON is 400.
READ_ERRORS = frozenset({401, 403, 404, 422, 429})
WRITE_ERRORS = frozenset({400, 401, 403, 404, 409, 422, 429})
# A POST that takes a seat or moves money: 400 without its Idempotency-Key, 409 while the
# first request with the key still runs.
KEYED_ERRORS = frozenset({400, 401, 403, 404, 409, 422, 429})


def json_answer(out: Schema, status: int = 200) -> HttpResponse:
    """The schema as a JSON response, as ninja would render it."""
    return HttpResponse(out.model_dump_json(), status=status, content_type="application/json")


def decided(decide: Callable[[], object]) -> None:
    """A decision through a service that refuses with ValidationError: a refusal of the
    decision itself (decided already, by a colleague say) is 409; an error in what was sent
    is 422 with its field."""
    try:
        decide()
    except ValidationError as refusal:
        if hasattr(refusal, "error_dict"):
            raise
        raise ApiProblem(409, " ".join(refusal.messages)) from None


Subject = TypeVar("Subject")
Subject_co = TypeVar("Subject_co", covariant=True)
Out = TypeVar("Out")


class Reach(Protocol[Subject_co]):
    """A selector of the object with this id that the user may reach; Http404 for any other."""

    def __call__(self, *, user: User, pk: int) -> Subject_co: ...


@dataclass(frozen=True)
class Decisions(Generic[Subject, Out]):
    """Decisions on one kind of object, each through its page's service: the object is found
    by `reach` (404 beyond the deciding user's reach), and the answer is `out` of the object
    read again, as its page shows it after the decision."""

    reach: Reach[Subject]
    out: Callable[[Subject], Out]

    def make(self, *, user: User, pk: int, decide: Callable[[Subject], object]) -> Out:
        """`decide` on the object; refusals as `decided()` answers them."""
        subject = self.reach(user=user, pk=pk)
        decided(lambda: decide(subject))
        return self.out(self.reach(user=user, pk=pk))


class BulkResult(Protocol):
    """One item's result in a bulk operation."""

    @property
    def outcome(self) -> str: ...


def outcome_counts(results: Sequence[BulkResult], outcomes: Iterable[str]) -> dict[str, int]:
    """How many of a bulk operation's results had each of its outcomes (0 for one none had),
    by the outcome's name: the summary's count fields."""
    counted = Counter(result.outcome for result in results)
    return {outcome: counted[outcome] for outcome in outcomes}


def local_time(moment: datetime.time) -> str:
    return f"{moment:%H:%M}"


def month_parse(text: str, *, field: str = "month") -> datetime.date:
    """The first day of a month sent as «2026-10»; 422 outside the portal's range of dates."""
    try:
        month = datetime.date.fromisoformat(f"{text}-01")
    except ValueError:
        raise ApiProblem(
            422, "Месяц — в формате ГГГГ-ММ, например 2026-10.", errors=[(field, "Неверный месяц.")]
        ) from None
    message = date_in_range(month)
    if message:
        raise ApiProblem(422, message, errors=[(field, message)])
    return month


def date_checked(value: datetime.date | None, *, field: str) -> datetime.date | None:
    """The date as it came, or 422 outside the portal's range of dates."""
    if value is not None and (message := date_in_range(value)):
        raise ApiProblem(422, message, errors=[(field, message)])
    return value


def moment_checked(moment: datetime.datetime, *, field: str) -> datetime.datetime:
    """A moment a client sent (a naive one is Moscow time) as UTC; 422 outside 2000–2100, which
    no change can be (and the database cannot compare some of those moments at all)."""
    refusal = ApiProblem(
        422,
        f"{field}: укажите момент между 2000 и 2100 годом, например 2026-09-01T10:00:00+03:00.",
        errors=[(field, "Момент вне допустимого диапазона.")],
    )
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        moment = moment.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise refusal from None
    if not 2000 <= moment.year <= 2100:
        raise refusal
    return moment
