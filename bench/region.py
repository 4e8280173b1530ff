"""A region for the month close, generated in bulk: what the services would have written after a
month of a school year, at the scale of a whole Russian region.

    scripts/with-postgres.sh .venv/bin/python bench/region.py [--children 100000]
        [--contracts-per-child 1.5] [--month 2026-10] [--seed 2026]
    (`make bench-billing` runs it first; `--children 450000` is all of Ставропольский край)

Into an empty PostgreSQL database (it migrates it, and refuses one that has users,
municipalities, providers or children) it writes:

  * seven municipalities of Ставропольский край sharing the children by population, each with
    its financing program (the school year, two nominal bands) created through
    `certificates.services.financing_program_create`, which funds the budget through the ledger;
  * providers (one per 250 children, spread over the municipalities; the programs go to them by
    a Zipf law, so a few palaces of creativity run dozens of programs and most run one or two),
    each with an administrator and a teacher per three groups; published programs of the
    kinds `bench/rush_seed.py` uses (8 in 10 paid by certificate, the rest free or paid by the
    family); groups (one per 25 contracts) meeting two or three times a week, one or two
    academic hours at a time, from the month's first day to the end of May, with every lesson
    of that span (Russian public holidays skipped, as `catalog.lessons.lesson_plan` does) and
    one lesson in a hundred of the month cancelled by the provider (a `LessonChange`);
  * children aged 5–17 with a guardian each (one family in five has two children), each with a
    certificate; every child has `--contracts-per-child` contracts on average (one to three,
    in distinct programs whose ages fit, 1 in 20 with a provider of another municipality),
    chosen by the groups' popularity (Pareto-distributed, so group sizes run from a handful to
    over a hundred); the applications are active (withdrawn for 2 % of the children: the
    contract terminated mid-month and the rest of its reserve released, as
    `enrollment.withdrawal` would); 1 contract in 10 starts mid-month;
  * the money as the services move it: a certificate is funded at its first contract paid by
    certificate (a CREDIT transfer from the budget of the nominal of the child's age band);
    each such contract reserves `min(total cost, money available)` (a HOLD transfer and its
    `Hold`), the offer's figures computed as `enrollment.offers.offer_compute` does;
  * the month's attendance: a mark per contract and planned lesson from the contract's start
    (each child attends with a rate of their own, 85 % on average); each attended lesson a
    `Charge` whose certificate share is cumulative (`certificates.services.certificate_share`,
    as `enrollment.charges.lesson_charge` computes it) and, when positive, a POST transfer out
    of the contract's hold with the journal's idempotency key.

Everything is planned in memory first (the ledger's totals are sums the plan knows), then
written table by table with COPY through psycopg with explicit primary keys (the sequences
are moved past them at the end), in autocommit: every row meets its table's constraints —
foreign keys, CHECKs, unique and partial unique indexes are all in force — and the accounts
and holds are written with the running totals their transfers add up to. COPY, measured:
100,000 attendance marks in 1.0 s, where `bulk_create(batch_size=2000)` took 9.3 s (and
Python's share of it, building model instances, is most of that). The month's marks, charges
and POST transfers are written in chunks of contracts, so memory stays bounded. At the end
the database is vacuumed and analysed (as autovacuum would have done in a month) and
`kruzhok ledger check` must pass, or the run fails.

It prints what it made and the time of each step; the last line is
`region: children=<n> contracts=<n> marks=<n> charges=<n> providers=<n> groups=<n> seconds=<n>`.
"""

import argparse
import bisect
import datetime
import itertools
import math
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "src"))
# `kruzhok ledger check` runs from the virtualenv's scripts, whose editable install may point at
# another checkout of the project: it imports this one's code.
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kruzhok.settings")
os.environ.setdefault("KRUZHOK_LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_DEBUG", "0")
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    raise SystemExit(
        "region: needs a throwaway PostgreSQL: run `make bench-billing` "
        "(or scripts/with-postgres.sh .venv/bin/python bench/region.py)"
    )

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Max, Model  # noqa: E402

from kruzhok.accounts.models import Role, User  # noqa: E402
from kruzhok.attendance.models import AttendanceMark  # noqa: E402
from kruzhok.catalog.lessons import lesson_plan  # noqa: E402
from kruzhok.catalog.models import (  # noqa: E402
    FinancingSource,
    Group,
    Lesson,
    LessonChange,
    LessonChangeKind,
    LessonStatus,
    Program,
    ProgramState,
    ScheduleSlot,
)
from kruzhok.certificates import services as certificate_services  # noqa: E402
from kruzhok.certificates.models import (  # noqa: E402
    Account,
    AccountKind,
    BillingRegime,
    Certificate,
    CertificateStatus,
    FinancingProgram,
    Hold,
    Transfer,
    TransferKind,
)
from kruzhok.common import rawsql  # noqa: E402
from kruzhok.common.models import Municipality, NumberSequence  # noqa: E402
from kruzhok.common.sample_numbers import inn_sample, ogrn_sample  # noqa: E402
from kruzhok.common.search import search_document  # noqa: E402
from kruzhok.common.validators import snils_check_digits  # noqa: E402
from kruzhok.demo.data import (  # noqa: E402
    BOY_NAMES,
    FAMILY_SURNAMES,
    FATHER_NAMES,
    GIRL_NAMES,
    MOTHER_NAMES,
)
from kruzhok.enrollment.models import Application, ApplicationStatus, Charge, Contract  # noqa: E402
from kruzhok.families.models import Child, Guardianship  # noqa: E402
from kruzhok.providers.models import (  # noqa: E402
    Provider,
    ProviderKind,
    ProviderStaff,
    ProviderStatus,
    StaffRole,
)

sys.path.insert(0, str(ROOT / "bench"))
from rush_seed import PROGRAM_KINDS  # noqa: E402

MOSCOW = ZoneInfo("Europe/Moscow")
# Municipalities of Ставропольский край and their share of its children (by population).
MUNICIPALITIES = [
    ("Город Ставрополь", 0.30),
    ("Город-курорт Пятигорск", 0.15),
    ("Георгиевский муниципальный округ", 0.12),
    ("Минераловодский муниципальный округ", 0.11),
    ("Город-курорт Кисловодск", 0.11),
    ("Город Невинномысск", 0.11),
    ("Город-курорт Ессентуки", 0.10),
]
# Nominals by age at the period's start (full years), kopecks.
NOMINAL_BANDS = [(5, 13, 20_000_00), (14, 18, 16_000_00)]
CHILDREN_PER_PROVIDER = 250
CONTRACTS_PER_GROUP = 25
GROUPS_PER_PROGRAM = (1, 6)
PROVIDER_ZIPF_S = 1.0
GROUP_PARETO_ALPHA = 1.6
GROUP_WEIGHT_CAP = 12.0
SOURCES = [FinancingSource.CERTIFICATE] * 8 + [FinancingSource.BUDGET, FinancingSource.PAID]
PRICES_PER_HOUR = [80_00, 100_00, 120_00, 150_00, 180_00]
START_TIMES = [
    datetime.time(14, 0),
    datetime.time(15, 30),
    datetime.time(17, 0),
    datetime.time(18, 30),
]
OTHER_MUNICIPALITY = 0.05
LATE_JOINERS = 0.10
WITHDRAWN = 0.02
CANCELLED_LESSONS = 0.01
SIBLINGS = 0.25
# The month's marks, charges and POST transfers are written this many contracts at a time.
CHUNK_CONTRACTS = 10_000


@dataclass(slots=True)
class ProgramPlan:
    id: int
    provider_id: int
    municipality: int
    title: str
    direction: str
    age_min: int
    age_max: int
    price_per_hour: int
    source: str
    slots_per_week: int
    slot_hours: int


# A lesson: (id, date, start time, academic hours, cancelled).
LessonRow = tuple[int, datetime.date, datetime.time, int, bool]


@dataclass(slots=True)
class GroupPlan:
    id: int
    program: ProgramPlan
    name: str
    teacher_id: int
    schedule: list[tuple[int, datetime.time, int]]
    lessons: list[LessonRow] = field(default_factory=list)
    month_lessons: list[LessonRow] = field(default_factory=list)
    hours_from_start: int = 0  # planned hours of every lesson: an on-time contract's hours
    weight: float = 1.0
    seats: int = 0
    contracts: int = 0


@dataclass(slots=True)
class ChildPlan:
    id: int
    municipality: int
    age: int
    birth_date: datetime.date
    last_name: str
    first_name: str
    patronymic: str
    parent_id: int
    nominal: int = 0  # the funded nominal, 0 while a certificate of accounting
    reserved: int = 0  # what its contracts' holds took of it
    credited_at: datetime.datetime | None = None


@dataclass(slots=True)
class ContractPlan:
    id: int
    child: ChildPlan
    group: GroupPlan
    start: datetime.date
    accepted_at: datetime.datetime
    total_hours: int = 0
    certificate_part: int = 0
    uses_certificate: bool = False
    terminated_on: datetime.date | None = None
    hold_id: int | None = None
    attendance: int = 0  # bit i: present at the i-th lesson of `lessons()`
    posted: int = 0
    voided: int = 0
    charges: int = 0

    @property
    def price_per_hour(self) -> int:
        return self.group.program.price_per_hour

    @property
    def total_cost(self) -> int:
        return self.price_per_hour * self.total_hours

    def lessons(self) -> list[LessonRow]:
        """The month's lessons the contract covers, cancelled ones left out (no mark)."""
        ends = self.terminated_on
        return [
            lesson
            for lesson in self.group.month_lessons
            if not lesson[4] and lesson[1] >= self.start and (ends is None or lesson[1] < ends)
        ]

    def charged(self) -> Iterator[tuple[LessonRow, int, int]]:
        """(lesson, its value, the certificate's share) of each attended lesson, in the
        journal's order: the share cumulative, as `enrollment.charges.lesson_charge` has it."""
        value = charged = 0
        pph, part, cost = self.price_per_hour, self.certificate_part, self.total_cost
        for i, lesson in enumerate(self.lessons()):
            if not self.attendance >> i & 1:
                continue
            lesson_value = pph * lesson[3]
            share = 0
            if self.hold_id is not None:
                target = certificate_services.certificate_share(
                    value=value + lesson_value, certificate_part=part, total_cost=cost
                )
                share = max(0, min(lesson_value, target - charged))
            value += lesson_value
            charged += share
            yield lesson, lesson_value, share


@dataclass
class Region:
    municipalities: list[Municipality]
    financing: list[FinancingProgram]
    first: datetime.date
    last: datetime.date
    group_end: datetime.date
    providers: list[tuple[int, int, int]] = field(default_factory=list)  # id, municipality, serial
    staff: list[tuple[int, int, str]] = field(default_factory=list)  # provider, user, role
    programs: list[ProgramPlan] = field(default_factory=list)
    groups: list[GroupPlan] = field(default_factory=list)
    children: list[ChildPlan] = field(default_factory=list)
    parents: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    contracts: list[ContractPlan] = field(default_factory=list)
    cancelled: list[tuple[LessonRow, int]] = field(default_factory=list)  # lesson, actor


class Ids:
    """Primary keys handed out here, after whatever rows a table already has (the services'
    own rows: a municipality's accounts, the budgets' FUND transfers). A model's first id is
    read from the database when it is first asked for, or by `start` (it must be before the
    rows are produced inside a COPY, which holds the connection)."""

    def __init__(self) -> None:
        self._next: dict[type[Model], Iterator[int]] = {}

    def start(self, *models: type[Model]) -> None:
        for model in models:
            top = model._default_manager.aggregate(top=Max("pk"))["top"] or 0
            self._next[model] = itertools.count(top + 1)

    def __call__(self, model: type[Model]) -> int:
        if model not in self._next:
            self.start(model)
        return next(self._next[model])


def _month_arg(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: a month as YYYY-MM") from None


def _month_end(first: datetime.date) -> datetime.date:
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=MOSCOW)


def _zipf_cumulative(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1.0 / k**s for k in range(1, n + 1)))


def _pick(rng: random.Random, items: Sequence[Any], cumulative: Sequence[float]) -> Any:
    return items[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def _birth_date(rng: random.Random, age: int, on: datetime.date) -> datetime.date:
    """A birth date giving exactly `age` full years on the day `on`."""
    earliest = on.replace(year=on.year - age - 1) + datetime.timedelta(days=1)
    return earliest + datetime.timedelta(days=rng.randrange(365))


def _age_on(birth: datetime.date, day: datetime.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _nominal(age: int) -> int | None:
    return next((n for lo, hi, n in NOMINAL_BANDS if lo <= age <= hi), None)


# --- the plan -----------------------------------------------------------------------------------


def plan_catalog(region: Region, *, children: int, contracts: int, rng: random.Random) -> Ids:
    """Providers with their staff, programs and groups with their schedules and lessons."""
    ids = Ids()
    first = region.first
    providers_total = max(2 * len(MUNICIPALITIES), children // CHILDREN_PER_PROVIDER)
    groups_total = max(10 * len(MUNICIPALITIES), contracts // CONTRACTS_PER_GROUP)
    plans: dict[tuple[tuple[int, datetime.time, int], ...], list[Any]] = {}
    serial = 0
    for m, (_, share) in enumerate(MUNICIPALITIES):
        providers = []
        for _ in range(max(2, round(providers_total * share))):
            serial += 1
            pk = ids(Provider)
            providers.append(pk)
            region.providers.append((pk, m, serial))
            region.staff.append((pk, ids(User), StaffRole.ADMIN))
        zipf = _zipf_cumulative(len(providers), PROVIDER_ZIPF_S)
        order = providers[:]
        rng.shuffle(order)  # the biggest providers are not the first numbered
        groups_left = max(len(providers), round(groups_total * share))
        teachers: dict[int, list[int]] = defaultdict(list)
        provider_groups: Counter[int] = Counter()
        n = 0
        while groups_left > 0:
            provider = providers[n] if n < len(providers) else _pick(rng, order, zipf)
            n += 1
            title, direction, age_min, age_max = rng.choice(PROGRAM_KINDS)
            program = ProgramPlan(
                id=ids(Program),
                provider_id=provider,
                municipality=m,
                title=title,
                direction=direction,
                age_min=age_min,
                age_max=min(age_max, 17),
                price_per_hour=rng.choice(PRICES_PER_HOUR),
                source=rng.choice(SOURCES),
                slots_per_week=2 if rng.random() < 0.4 else 3,
                slot_hours=1 if rng.random() < 0.6 else 2,
            )
            region.programs.append(program)
            for g in range(min(groups_left, rng.randint(*GROUPS_PER_PROGRAM))):
                groups_left -= 1
                # A teacher for every three groups of the provider.
                if provider_groups[provider] % 3 == 0:
                    teacher = ids(User)
                    teachers[provider].append(teacher)
                    region.staff.append((provider, teacher, StaffRole.TEACHER))
                provider_groups[provider] += 1
                at = rng.choice(START_TIMES)
                days = sorted(rng.sample(range(6), program.slots_per_week))
                schedule = [(day, at, program.slot_hours) for day in days]
                group = GroupPlan(
                    id=ids(Group),
                    program=program,
                    name=f"Группа {g + 1}",
                    teacher_id=teachers[provider][-1],
                    schedule=schedule,
                    weight=min(GROUP_WEIGHT_CAP, rng.paretovariate(GROUP_PARETO_ALPHA)),
                )
                key = tuple(schedule)
                if key not in plans:
                    plans[key] = sorted(lesson_plan(schedule, first, region.group_end))
                for day, start_time in plans[key]:
                    lesson = (ids(Lesson), day, start_time, program.slot_hours, False)
                    group.lessons.append(lesson)
                group.hours_from_start = sum(lesson[3] for lesson in group.lessons)
                region.groups.append(group)
    _lessons_cancel(region, rng)
    return ids


def _group_end(first: datetime.date, period_end: datetime.date) -> datetime.date:
    """Groups run from the month's first day to the end of May (the school year), or to the
    end of the financing period for a summer month."""
    school_year_end = datetime.date(period_end.year, 5, 31)
    return school_year_end if first <= school_year_end else period_end


def _lessons_cancel(region: Region, rng: random.Random) -> None:
    """One lesson in a hundred of the month, from its third day on, cancelled by the provider
    the day before (contracts accepted later do not count it); the rest are the month's."""
    earliest = region.first + datetime.timedelta(days=2)
    for group in region.groups:
        for i, lesson in enumerate(group.lessons):
            if lesson[1] > region.last:
                break
            if lesson[1] >= earliest and rng.random() < CANCELLED_LESSONS:
                lesson = (*lesson[:4], True)
                group.lessons[i] = lesson
                region.cancelled.append((lesson, group.teacher_id))
            group.month_lessons.append(group.lessons[i])


def plan_families(region: Region, *, children: int, ids: Ids, rng: random.Random) -> None:
    """Children (aged 5–17 on the month's first day) and their guardians."""
    cumulative = list(itertools.accumulate(share for _, share in MUNICIPALITIES))
    parent: tuple[int, int, str, str, str] | None = None
    for _ in range(children):
        m = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
        m = min(m, len(MUNICIPALITIES) - 1)
        female, male = rng.choice(FAMILY_SURNAMES)
        if parent is not None and parent[1] == m and rng.random() < SIBLINGS:
            female, male = parent[2], parent[3]  # a brother or sister: the same mother
        else:
            mother, patronymic = rng.choice(MOTHER_NAMES)
            parent = (ids(User), m, female, male, f"{mother} {patronymic}")
            region.parents.append(parent)
        age = rng.randint(5, 17)
        father = rng.choice(FATHER_NAMES)
        if rng.random() < 0.5:
            last_name, first_name, patronymic = male, rng.choice(BOY_NAMES), father
        else:
            last_name, first_name = female, rng.choice(GIRL_NAMES)
            patronymic = father.removesuffix("ич") + "на"
        region.children.append(
            ChildPlan(
                id=ids(Child),
                municipality=m,
                age=age,
                birth_date=_birth_date(rng, age, region.first),
                last_name=last_name,
                first_name=first_name,
                patronymic=patronymic,
                parent_id=parent[0],
            )
        )


def plan_contracts(
    region: Region, *, contracts: int, ids: Ids, rng: random.Random
) -> tuple[int, int]:
    """Who goes where, and each contract's offer and reserve, in the order they were accepted.
    Returns (contracts asked for that found no fitting group, children funded)."""
    children = region.children
    extra = min(2 * len(children), max(0, contracts - len(children)))
    second = min(len(children), math.ceil(extra * 0.8))
    wanted = [1] * len(children)
    for child in rng.sample(range(len(children)), second):
        wanted[child] = 2
    twos = [i for i, w in enumerate(wanted) if w == 2]
    for child in rng.sample(twos, min(len(twos), extra - second)):
        wanted[child] = 3
    # Candidates by (municipality, age) and region-wide by age, weighted by popularity.
    by_place: dict[tuple[int, int], list[GroupPlan]] = defaultdict(list)
    for group in region.groups:
        for age in range(group.program.age_min, group.program.age_max + 1):
            by_place[(group.program.municipality, age)].append(group)
            by_place[(-1, age)].append(group)
    cumulative = {
        key: list(itertools.accumulate(g.weight for g in groups))
        for key, groups in by_place.items()
    }
    first, last = region.first, region.last
    period_start = region.financing[0].period_start
    unplaced = funded = 0
    for child, count in zip(children, wanted, strict=True):
        chosen: list[GroupPlan] = []
        programs: set[int] = set()
        for _ in range(count):
            key = (-1 if rng.random() < OTHER_MUNICIPALITY else child.municipality, child.age)
            if key not in by_place:
                key = (-1, child.age)
            for _attempt in range(20):
                group = _pick(rng, by_place[key], cumulative[key])
                if group.program.id not in programs:
                    chosen.append(group)
                    programs.add(group.program.id)
                    break
            else:
                unplaced += 1
        late = rng.random() < LATE_JOINERS
        for n, group in enumerate(chosen):
            if late and n == len(chosen) - 1:
                start = first + datetime.timedelta(days=rng.randint(2, last.day - 5))
                accepted_at = _at(start, 12, rng.randrange(60))
            else:
                start = first
                accepted_on = max(period_start, first - datetime.timedelta(days=rng.randint(2, 14)))
                accepted_at = _at(accepted_on, rng.randint(9, 21), rng.randrange(60))
            contract = ContractPlan(
                id=ids(Contract), child=child, group=group, start=start, accepted_at=accepted_at
            )
            funded += _offer(contract, ids, period_start)
            group.contracts += 1
            region.contracts.append(contract)
    # Withdrawals: contracts of children whose contracts all started on time (so no acceptance
    # came after a release), terminated mid-month.
    late_children = {c.child.id for c in region.contracts if c.start != first}
    for contract in region.contracts:
        if contract.child.id not in late_children and rng.random() < WITHDRAWN:
            contract.terminated_on = first + datetime.timedelta(days=rng.randint(8, last.day - 3))
    active = Counter(c.group.id for c in region.contracts if c.terminated_on is None)
    for group in region.groups:
        group.seats = active[group.id]
    return unplaced, funded


def _offer(contract: ContractPlan, ids: Ids, period_start: datetime.date) -> int:
    """The offer's figures and the reserve, as `enrollment.contracts.contract_conclude` writes
    them on the day the parent accepted; 1 if the child's certificate was funded by it."""
    group, child = contract.group, contract.child
    accepted_on = contract.accepted_at.date()
    if contract.start <= group.lessons[0][1]:
        # Accepted before the month began, before any lesson was cancelled.
        hours = group.hours_from_start
    else:
        # A lesson cancelled the day before it, at 10:00, before the acceptance (12:00 or later)
        # is no longer planned when the offer is made.
        hours = sum(
            lesson[3]
            for lesson in group.lessons
            if lesson[1] >= contract.start
            and not (lesson[4] and lesson[1] - datetime.timedelta(days=1) <= accepted_on)
        )
    contract.total_hours = hours
    funded = 0
    if group.program.source == FinancingSource.CERTIFICATE:
        contract.uses_certificate = True
        if child.nominal == 0:
            nominal = _nominal(_age_on(child.birth_date, period_start))
            if nominal:
                child.nominal = nominal
                child.credited_at = contract.accepted_at
                funded = 1
        part = min(contract.total_cost, child.nominal - child.reserved)
        if part > 0:
            contract.certificate_part = part
            contract.hold_id = ids(Hold)
            child.reserved += part
    return funded


def plan_attendance(region: Region, rng: random.Random) -> tuple[int, int]:
    """Each contract's marks (a bit per lesson), and what its charges post out of its hold and
    what its withdrawal releases. Returns (marks, charges)."""
    marks = charges = 0
    for contract in region.contracts:
        rate = rng.betavariate(8, 1.4)
        lessons = contract.lessons()
        bits = 0
        for i in range(len(lessons)):
            if rng.random() < rate:
                bits |= 1 << i
        contract.attendance = bits
        marks += len(lessons)
        value = posted = 0
        for _, lesson_value, share in contract.charged():
            contract.charges += 1
            value += lesson_value
            posted += share
        charges += contract.charges
        contract.posted = posted
        if contract.terminated_on is not None and contract.hold_id is not None:
            # `enrollment.withdrawal`: release all but what the uncharged lessons before the
            # date (the ones marked absent) may still cost.
            absent_hours = sum(
                lesson[3] for i, lesson in enumerate(lessons) if not contract.attendance >> i & 1
            )
            needed = 0
            if absent_hours:
                target = certificate_services.certificate_share(
                    value=value + absent_hours * contract.price_per_hour,
                    certificate_part=contract.certificate_part,
                    total_cost=contract.total_cost,
                )
                needed = max(0, target - posted)
            remaining = contract.certificate_part - posted
            contract.voided = remaining - min(remaining, needed)
    return marks, charges


# --- writing ----------------------------------------------------------------------------------


class Copier:
    """COPY rows into a model's table, columns named by attribute; counts and times each table."""

    def __init__(self) -> None:
        self.rows: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()

    def __call__(self, model: type[Model], attnames: Sequence[str], rows: Iterable[Any]) -> int:
        started = time.monotonic()
        # Columns the rows do not name get their field's default as the ORM would write it (""
        # for text without one): a column added to a model later needs no change here.
        defaults = {
            f.attname: f.get_db_prep_save(f.get_default(), connection)
            for f in model._meta.concrete_fields
            if f.attname not in attnames
            and not f.primary_key
            and (f.has_default() or (not f.null and f.empty_strings_allowed))
        }
        names = [*attnames, *defaults]
        extra = tuple(defaults.values())
        columns = ", ".join(rawsql.column(model, name) for name in names)
        count = 0
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {rawsql.table(model)} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row((*row, *extra))
                count += 1
        label = model._meta.label
        self.rows[label] += count
        self.seconds[label] += time.monotonic() - started
        return count


def write_catalog(region: Region, copy: Copier, password: str, now: datetime.datetime) -> None:
    municipality_ids = [m.pk for m in region.municipalities]
    staff_users = []
    for provider_id, user_id, role in region.staff:
        kind = "admin" if role == StaffRole.ADMIN else "teacher"
        staff_users.append(
            (user_id, password, f"{kind}{user_id}@region.kruzhok.local", "Сотрудник",
             f"{'Администратор' if kind == 'admin' else 'Педагог'} {provider_id}", "", "",
             None, Role.PROVIDER, now, True, False, False, now)
        )  # fmt: skip
    parent_users = (
        (pk, password, f"parent{pk}@region.kruzhok.local", female, name.split()[0],
         name.split()[1], "", municipality_ids[m], Role.PARENT, now, True, False, False, now)
        for pk, m, female, _male, name in region.parents
    )  # fmt: skip
    copy(
        User,
        ["id", "password", "email", "last_name", "first_name", "patronymic", "phone",
         "municipality_id", "role", "email_confirmed_at", "is_active", "is_staff",
         "is_superuser", "date_joined"],
        itertools.chain(staff_users, parent_users),
    )  # fmt: skip
    copy(
        Provider,
        ["id", "kind", "full_name", "short_name", "inn", "ogrn", "license_number", "address",
         "municipality_id", "phone", "email", "website", "bank_name", "bik", "settlement_account",
         "correspondent_account", "status", "created_at"],
        (
            (pk, ProviderKind.ORGANIZATION, f"МБУ ДО «Центр творчества № {serial}»",
             f"ЦТ № {serial}", inn_sample(serial, prefix="2617"),
             ogrn_sample(serial, prefix="2617"), f"Л035-01210-26/{serial:08d}",
             f"{MUNICIPALITIES[m][0]}, ул. Мира, д. {serial}", municipality_ids[m], "", "", "",
             "", "", "", "", ProviderStatus.APPROVED, now)
            for pk, m, serial in region.providers
        ),
    )  # fmt: skip
    copy(ProviderStaff, ["provider_id", "user_id", "role"], region.staff)
    months = (region.group_end.year - region.first.year) * 12 + (
        region.group_end.month - region.first.month + 1
    )
    copy(
        Program,
        ["id", "provider_id", "title", "description", "direction", "program_type", "level",
         "age_min", "age_max", "study_form", "duration_months", "hours_per_week",
         "price_per_hour", "financing_source", "accessible_ovz", "address", "state",
         "search_document", "title_document", "created_at", "updated_at"],
        (
            (p.id, p.provider_id, p.title, f"{p.title}: занятия в группах.", p.direction,
             "general", "initial", p.age_min, p.age_max, "full_time", months,
             p.slots_per_week * p.slot_hours, p.price_per_hour, p.source, False,
             MUNICIPALITIES[p.municipality][0], ProgramState.PUBLISHED,
             search_document(p.title, f"{p.title}: занятия в группах."),
             search_document(p.title), now, now)
            for p in region.programs
        ),
    )  # fmt: skip
    copy(
        Group,
        ["id", "program_id", "name", "teacher_id", "capacity", "seats_taken", "start_date",
         "end_date", "enrollment_open", "auto_accept", "updated_at"],
        (
            (g.id, g.program.id, g.name, g.teacher_id, max(g.seats + 2, round(g.seats * 1.1)),
             g.seats, region.first, region.group_end, True, False, now)
            for g in region.groups
        ),
    )  # fmt: skip
    copy(
        ScheduleSlot,
        ["group_id", "weekday", "start_time", "hours"],
        ((g.id, *slot) for g in region.groups for slot in g.schedule),
    )
    copy(
        Lesson,
        ["id", "group_id", "date", "start_time", "hours", "status", "updated_at"],
        (
            (
                pk,
                g.id,
                day,
                at,
                hours,
                LessonStatus.CANCELLED if cancelled else LessonStatus.PLANNED,
                now,
            )
            for g in region.groups
            for pk, day, at, hours, cancelled in g.lessons
        ),
    )
    copy(
        LessonChange,
        ["lesson_id", "kind", "from_date", "from_time", "reason", "actor_id", "at"],
        (
            (lesson[0], LessonChangeKind.CANCELLED, lesson[1], lesson[2], "Педагог на больничном",
             actor, _at(lesson[1] - datetime.timedelta(days=1), 10))
            for lesson, actor in region.cancelled
        ),
    )  # fmt: skip


def write_families(region: Region, copy: Copier, now: datetime.datetime) -> None:
    municipality_ids = [m.pk for m in region.municipalities]
    copy(
        Child,
        ["id", "last_name", "first_name", "patronymic", "birth_date", "snils", "municipality_id",
         "created_at"],
        (
            (c.id, c.last_name, c.first_name, c.patronymic, c.birth_date, _snils(c.id),
             municipality_ids[c.municipality], now)
            for c in region.children
        ),
    )  # fmt: skip
    copy(
        Guardianship,
        ["child_id", "user_id", "is_primary", "created_at"],
        ((c.id, c.parent_id, True, now) for c in region.children),
    )


def _snils(serial: int) -> str:
    body = f"{100_000_000 + serial * 1979:09d}"
    return body + snils_check_digits(body)


@dataclass
class Ledger:
    """Account ids of the plan: a certificate's (by child), a provider's payable, a budget."""

    certificate: dict[int, int]
    payable: dict[int, int]
    budget: list[int]


def write_money(region: Region, copy: Copier, ids: Ids, now: datetime.datetime) -> Ledger:
    """Certificates, their accounts and the providers' payables with the totals their transfers
    add up to, holds, the CREDIT, HOLD and VOID transfers, applications and contracts."""
    municipality_ids = [m.pk for m in region.municipalities]
    financing = region.financing
    region_code = settings.KRUZHOK_REGION_CODE
    copy(
        Certificate,
        ["id", "child_id", "number", "municipality_id", "status", "financing_program_id",
         "nominal", "valid_from", "valid_to", "accounting_reason", "issued_at"],
        (
            (c.id, c.id,
             certificate_services.certificate_number_make(region_code=region_code, sequence=c.id),
             municipality_ids[c.municipality],
             CertificateStatus.FUNDED if c.nominal else CertificateStatus.ACCOUNTING,
             financing[c.municipality].pk if c.nominal else None, c.nominal,
             financing[c.municipality].period_start if c.nominal else None,
             financing[c.municipality].period_end if c.nominal else None, "", now)
            for c in region.children
        ),
    )  # fmt: skip
    # Certificate ids are the children's; the certificate numbers' sequence follows them.
    certificate_total = len(region.children)
    NumberSequence.objects.update_or_create(
        name=f"certificate:{region_code}", defaults={"last_value": certificate_total}
    )
    # Totals: a certificate is credited its nominal and debited its holds (pending until
    # posted, less what was released); a provider's payable is credited the same.
    debits: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # child -> pending, posted
    credits: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # provider -> pending, posted
    for contract in region.contracts:
        if contract.hold_id is None:
            continue
        pending = contract.certificate_part - contract.posted - contract.voided
        child_totals = debits[contract.child.id]
        child_totals[0] += pending
        child_totals[1] += contract.posted
        provider_totals = credits[contract.group.program.provider_id]
        provider_totals[0] += pending
        provider_totals[1] += contract.posted
    ledger = Ledger(
        certificate={c.id: ids(Account) for c in region.children},
        payable={pk: ids(Account) for pk in sorted(credits)},
        budget=[
            Account.objects.get(kind=AccountKind.BUDGET, financing_program=f).pk for f in financing
        ],
    )
    provider_municipality = {pk: municipality_ids[m] for pk, m, _ in region.providers}
    copy(
        Account,
        ["id", "kind", "municipality_id", "financing_program_id", "certificate_id", "provider_id",
         "debits_pending", "debits_posted", "credits_pending", "credits_posted",
         "debits_must_not_exceed_credits"],
        itertools.chain(
            (
                (ledger.certificate[c.id], AccountKind.CERTIFICATE,
                 municipality_ids[c.municipality], None, c.id, None, *debits[c.id][:2], 0,
                 c.nominal, True)
                for c in region.children
            ),
            (
                (ledger.payable[pk], AccountKind.PROVIDER_PAYABLE, provider_municipality[pk],
                 None, None, pk, 0, 0, *credits[pk], True)
                for pk in sorted(credits)
            ),
        ),
    )  # fmt: skip
    credited = Counter[int]()
    for child in region.children:
        credited[child.municipality] += child.nominal
    for m, budget in enumerate(ledger.budget):
        Account.objects.filter(pk=budget).update(debits_posted=credited[m])
    funded = Counter(c.municipality for c in region.children if c.nominal)
    for m, program in enumerate(financing):
        FinancingProgram.objects.filter(pk=program.pk).update(funded_count=funded[m])
    contracts_with_hold = [c for c in region.contracts if c.hold_id is not None]
    copy(
        Hold,
        ["id", "debit_account_id", "credit_account_id", "amount", "posted", "voided", "cause",
         "created_at"],
        (
            (c.hold_id, ledger.certificate[c.child.id],
             ledger.payable[c.group.program.provider_id], c.certificate_part, c.posted,
             c.voided, f"contract:{c.id}", c.accepted_at)
            for c in contracts_with_hold
        ),
    )  # fmt: skip
    transfer_columns = ["id", "kind", "debit_account_id", "credit_account_id", "amount",
                        "hold_id", "idempotency_key", "description", "created_at"]  # fmt: skip
    credits_rows = (
        (ids(Transfer), TransferKind.CREDIT, ledger.budget[c.municipality],
         ledger.certificate[c.id], c.nominal, None, f"credit:{financing[c.municipality].pk}:{c.id}",
         "Зачисление номинала сертификата", c.credited_at)
        for c in region.children
        if c.nominal
    )  # fmt: skip
    hold_rows = (
        (ids(Transfer), TransferKind.HOLD, ledger.certificate[c.child.id],
         ledger.payable[c.group.program.provider_id], c.certificate_part, c.hold_id,
         f"hold:contract:{c.id}", "Резерв средств по договору", c.accepted_at)
        for c in contracts_with_hold
    )  # fmt: skip
    void_rows = (
        (ids(Transfer), TransferKind.VOID, ledger.certificate[c.child.id],
         ledger.payable[c.group.program.provider_id], c.voided, c.hold_id,
         f"void:contract:{c.id}", "Снятие резерва", _at(c.terminated_on, 9))
        for c in contracts_with_hold
        if c.voided and c.terminated_on is not None
    )  # fmt: skip
    copy(Transfer, transfer_columns, itertools.chain(credits_rows, hold_rows, void_rows))
    copy(
        Application,
        ["id", "child_id", "group_id", "applicant_id", "status", "created_at",
         "status_changed_at", "reason"],
        (
            (c.id, c.child.id, c.group.id, c.child.parent_id,
             ApplicationStatus.WITHDRAWN if c.terminated_on else ApplicationStatus.ACTIVE,
             c.accepted_at - datetime.timedelta(days=2),
             _at(c.terminated_on, 9) if c.terminated_on else max(c.accepted_at, _at(c.start, 0, 5)),
             "По заявлению родителя" if c.terminated_on else "")
            for c in region.contracts
        ),
    )  # fmt: skip
    numbers: Counter[int] = Counter()

    def number(contract: ContractPlan) -> str:
        year = contract.accepted_at.year
        numbers[year] += 1
        return f"{year}-{numbers[year]:06d}"

    copy(
        Contract,
        ["id", "application_id", "number", "certificate_id", "hold_id", "start_date", "end_date",
         "price_per_hour", "total_hours", "total_cost", "certificate_part", "parent_part",
         "accepted_at", "accepted_by_id", "accepted_ip", "accepted_user_agent", "terminated_on",
         "billing_regime"],
        (
            (c.id, c.id, number(c), c.child.id if c.uses_certificate else None, c.hold_id,
             c.start, region.group_end, c.price_per_hour, c.total_hours, c.total_cost,
             c.certificate_part, c.total_cost - c.certificate_part, c.accepted_at,
             c.child.parent_id, None, "", c.terminated_on, BillingRegime.PER_LESSON)
            for c in region.contracts
        ),
    )  # fmt: skip
    for year, last_value in numbers.items():
        NumberSequence.objects.update_or_create(
            name=f"contract:{year}", defaults={"last_value": last_value}
        )
    return ledger


def write_attendance(region: Region, copy: Copier, ids: Ids, ledger: Ledger) -> None:
    """The month's marks, charges and POST transfers, a chunk of contracts at a time: the
    transfers first (a charge names its transfer), then the charges, then the marks."""
    mark_columns = ["lesson_id", "contract_id", "present", "marked_by_id", "marked_at"]
    charge_columns = ["contract_id", "lesson_id", "lesson_value", "certificate_amount",
                      "parent_amount", "transfer_id", "created_at", "for_month",
                      "billed_month"]  # fmt: skip
    transfer_columns = ["id", "kind", "debit_account_id", "credit_account_id", "amount",
                        "hold_id", "idempotency_key", "description", "created_at"]  # fmt: skip
    for begin in range(0, len(region.contracts), CHUNK_CONTRACTS):
        marks: list[tuple[Any, ...]] = []
        charges: list[tuple[Any, ...]] = []
        posts: list[tuple[Any, ...]] = []
        for contract in region.contracts[begin : begin + CHUNK_CONTRACTS]:
            teacher = contract.group.teacher_id
            for i, lesson in enumerate(contract.lessons()):
                marked_at = datetime.datetime.combine(lesson[1], lesson[2], tzinfo=MOSCOW)
                marks.append(
                    (lesson[0], contract.id, bool(contract.attendance >> i & 1), teacher, marked_at)
                )
            if not contract.charges:
                continue
            debit = ledger.certificate[contract.child.id]
            credit = ledger.payable.get(contract.group.program.provider_id)
            for lesson, value, share in contract.charged():
                at = datetime.datetime.combine(lesson[1], lesson[2], tzinfo=MOSCOW)
                transfer = None
                if share > 0:
                    transfer = ids(Transfer)
                    posts.append(
                        (transfer, TransferKind.POST, debit, credit, share, contract.hold_id,
                         f"attendance:{lesson[0]}:{contract.child.id}:0",
                         f"Занятие {lesson[1]:%d.%m.%Y}", at)
                    )  # fmt: skip
                charges.append(
                    (contract.id, lesson[0], value, share, value - share, transfer, at,
                     lesson[1].replace(day=1), lesson[1].replace(day=1))
                )  # fmt: skip
        copy(Transfer, transfer_columns, posts)
        copy(Charge, charge_columns, charges)
        copy(AttendanceMark, mark_columns, marks)


def sequences_reset() -> None:
    """Move every table's id sequence past the ids written here."""
    models = [
        User, Provider, ProviderStaff, Program, Group, ScheduleSlot, Lesson, LessonChange,
        Child, Guardianship, Certificate, Account, Hold, Transfer, Application, Contract,
        Charge, AttendanceMark,
    ]  # fmt: skip
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def ledger_check() -> tuple[int, str]:
    done = subprocess.run(
        [str(BIN / "kruzhok"), "ledger", "check"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return done.returncode, (done.stdout + done.stderr).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--contracts-per-child", type=float, default=1.5)
    parser.add_argument("--month", type=_month_arg, default=datetime.date(2026, 10, 1))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.children < 100:
        parser.error("--children: at least 100")
    if not 1.0 <= args.contracts_per_child <= 3.0:
        parser.error("--contracts-per-child: from 1 to 3 (a child has at most three programs)")
    first: datetime.date = args.month
    last = _month_end(first)
    today = datetime.date.today()
    if first >= today.replace(day=1):
        parser.error(f"--month: {first:%Y-%m} is not over yet, and only a past month closes")
    contracts_wanted = round(args.children * args.contracts_per_child)
    began = time.monotonic()
    print(
        f"region: {args.children} children, {contracts_wanted} contracts wanted, "
        f"month {first:%Y-%m}, seed {args.seed}",
        flush=True,
    )
    call_command("migrate", verbosity=0)
    if any(model.objects.exists() for model in (User, Municipality, Provider, Child, Transfer)):
        raise SystemExit("region: the database already has data; give it an empty one")
    rng = random.Random(args.seed)
    step = time.monotonic()

    # Municipalities and their financing programs, through the services: the budget's FUND
    # transfer goes through the ledger. The budget is what the plan credits, and a margin.
    period_start = datetime.date(first.year if first.month >= 9 else first.year - 1, 9, 1)
    period_end = datetime.date(period_start.year + 1, 8, 31)
    municipalities = [
        Municipality.objects.create(name=name, children_population=0) for name, _ in MUNICIPALITIES
    ]
    region = Region(
        municipalities=municipalities,
        financing=[],
        first=first,
        last=last,
        group_end=_group_end(first, period_end),
    )
    # The plan needs the period for the financing programs' figures; the programs are created
    # once the plan knows how much they must hold.
    region.financing = [
        FinancingProgram(period_start=period_start, period_end=period_end) for _ in municipalities
    ]
    ids = plan_catalog(region, children=args.children, contracts=contracts_wanted, rng=rng)
    plan_families(region, children=args.children, ids=ids, rng=rng)
    unplaced, funded = plan_contracts(region, contracts=contracts_wanted, ids=ids, rng=rng)
    marks, charges = plan_attendance(region, rng)
    planned_s = time.monotonic() - step
    print(
        f"  planned in {planned_s:.1f} s: {len(region.providers)} providers, "
        f"{len(region.programs)} programs, {len(region.groups)} groups, "
        f"{sum(len(g.lessons) for g in region.groups)} lessons "
        f"({sum(len(g.month_lessons) for g in region.groups)} in the month, "
        f"{len(region.cancelled)} cancelled), {len(region.contracts)} contracts "
        f"({unplaced} found no fitting group), {marks} marks, {charges} charges",
        flush=True,
    )

    step = time.monotonic()
    by_municipality = Counter(c.municipality for c in region.children)
    nominals = Counter[int]()
    for child in region.children:
        nominals[child.municipality] += child.nominal
    region.financing = []
    for m, municipality in enumerate(municipalities):
        Municipality.objects.filter(pk=municipality.pk).update(
            children_population=by_municipality[m]
        )
        funded_here = sum(1 for c in region.children if c.municipality == m and c.nominal)
        region.financing.append(
            certificate_services.financing_program_create(
                municipality=municipality,
                title=f"ПФДО {period_start.year}/{period_end.year}: {municipality.name}",
                period_start=period_start,
                period_end=period_end,
                max_funded_certificates=max(1, round(funded_here * 1.1)),
                budget_cap=round(nominals[m] * 1.1) or 1,
                nominal_bands=NOMINAL_BANDS,
            )
        )
    ids.start(Account, Transfer)  # after the services' own accounts and FUND transfers
    now = datetime.datetime.combine(period_start, datetime.time(9), tzinfo=MOSCOW)
    password = make_password(None)
    copy = Copier()
    write_catalog(region, copy, password, now)
    write_families(region, copy, now)
    ledger = write_money(region, copy, ids, now)
    catalog_s = time.monotonic() - step
    print(
        f"  wrote the catalogue, families, certificates, holds and contracts in {catalog_s:.1f} s",
        flush=True,
    )
    step = time.monotonic()
    write_attendance(region, copy, ids, ledger)
    attendance_s = time.monotonic() - step
    print(f"  wrote the month's marks, charges and POST transfers in {attendance_s:.1f} s")
    sequences_reset()
    for label, rows in sorted(copy.rows.items(), key=lambda item: -copy.seconds[item[0]]):
        print(f"    {label}: {rows} rows in {copy.seconds[label]:.1f} s")
    step = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    vacuum_s = time.monotonic() - step
    print(f"  VACUUM ANALYZE in {vacuum_s:.1f} s", flush=True)
    step = time.monotonic()
    connection.close()
    rc, output = ledger_check()
    print(f"  kruzhok ledger check: exit {rc} in {time.monotonic() - step:.1f} s")
    print("\n".join(f"    {line}" for line in output.splitlines()))
    total_s = time.monotonic() - began
    print(
        f"region: children={len(region.children)} contracts={len(region.contracts)} "
        f"marks={marks} charges={charges} providers={len(region.providers)} "
        f"groups={len(region.groups)} funded={funded} seconds={total_s:.0f}"
    )
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
