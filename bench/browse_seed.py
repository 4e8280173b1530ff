"""Seed a region's catalogue for `bench/browse.py`: the rush's municipality, programs and groups
(built through the catalog's services by `rush_seed.groups_seed`: the groups parents apply to),
then the rest of a region's catalogue — tens of thousands of published programs of approved
providers in several municipalities, two groups each with a weekly schedule — in bulk.

Imported after `django.setup()`. The bulk rows are the ones the services would write
(search documents included, built by the same function), without the per-row checks, which
would take many minutes for 20,000 programs and are not what the bench measures. Lessons are
generated only for the groups built through the services: nobody applies to the others, and
the catalogue and program pages do not read lessons.
"""

import datetime
import random
import urllib.parse

from django.db import transaction
from django.utils import timezone
from rush_seed import PROGRAM_KINDS, SOURCES

from kruzhok.catalog.models import (
    Direction,
    FinancingSource,
    Group,
    Program,
    ProgramState,
    ScheduleSlot,
    StudyForm,
)
from kruzhok.common.models import Municipality
from kruzhok.common.sample_numbers import inn_sample, ogrn_sample
from kruzhok.common.search import search_document
from kruzhok.providers.models import Provider, ProviderKind, ProviderStatus

MUNICIPALITIES = [
    "Ставрополь",
    "Пятигорск",
    "Кисловодск",
    "Невинномысск",
    "Ессентуки",
    "Михайловск",
    "Минеральные Воды",
    "Георгиевск",
    "Будённовск",
]
PROGRAMS_PER_PROVIDER = 10
GROUPS_PER_PROGRAM = 2
# Words that vary titles and descriptions, so that search has something to tell apart.
QUALIFIERS = [
    "для начинающих",
    "для продолжающих",
    "олимпиадная подготовка",
    "в малых группах",
    "выходного дня",
    "с нуля",
    "проектная мастерская",
    "для девочек и мальчиков",
    "летняя школа",
    "клуб",
]
SUBJECTS = [
    ("Рисование акварелью", Direction.ARTS, 6, 14),
    ("Лепка из глины", Direction.ARTS, 5, 12),
    ("Вокальная студия", Direction.ARTS, 7, 17),
    ("Театральная студия", Direction.ARTS, 8, 17),
    ("Гитара", Direction.ARTS, 9, 18),
    ("3D-моделирование", Direction.TECHNICAL, 10, 17),
    ("Конструирование из LEGO", Direction.TECHNICAL, 5, 10),
    ("Авиамоделирование", Direction.TECHNICAL, 9, 16),
    ("Астрономия", Direction.SCIENCE, 10, 17),
    ("Биология растений", Direction.SCIENCE, 9, 15),
    ("Плавание", Direction.SPORTS, 6, 16),
    ("Дзюдо", Direction.SPORTS, 7, 17),
    ("Лёгкая атлетика", Direction.SPORTS, 8, 17),
    ("Волонтёрский отряд", Direction.SOCIAL, 12, 18),
    ("Журналистика", Direction.SOCIAL, 11, 17),
    ("Пешеходный туризм", Direction.TOURISM, 9, 17),
    *PROGRAM_KINDS,
]
TIMES = [datetime.time(h, m) for h in (9, 11, 14, 15, 16, 17, 18) for m in (0, 30)]


@transaction.atomic
def region_seed(*, programs: int, rng: random.Random, batch: int = 2000) -> int:
    """Published programs of approved providers across the municipalities, bulk-inserted
    until the catalogue holds `programs` in all; two groups of each with a weekly schedule.
    Returns the number of programs in the catalogue."""
    existing = Program.objects.count()
    wanted = max(0, programs - existing)
    if not wanted:
        return existing
    municipalities = Municipality.objects.bulk_create(
        Municipality(name=name, children_population=rng.randint(8_000, 60_000))
        for name in MUNICIPALITIES
    )
    providers_needed = -(-wanted // PROGRAMS_PER_PROVIDER)
    providers = Provider.objects.bulk_create(
        (
            Provider(
                kind=ProviderKind.ORGANIZATION,
                full_name=f"МБУ ДО «Центр творчества № {n + 1}»",
                short_name=f"ЦТ № {n + 1} ({municipalities[n % len(municipalities)].name})",
                inn=inn_sample(20_000 + n, prefix="2617"),
                ogrn=ogrn_sample(20_000 + n, prefix="2617"),
                address=f"г. {municipalities[n % len(municipalities)].name}, ул. Мира, д. {n + 1}",
                municipality=municipalities[n % len(municipalities)],
                status=ProviderStatus.APPROVED,
            )
            for n in range(providers_needed)
        ),
        batch_size=batch,
    )
    rows: list[Program] = []
    for n in range(wanted):
        provider = providers[n // PROGRAMS_PER_PROVIDER]
        subject, direction, age_min, age_max = SUBJECTS[n % len(SUBJECTS)]
        qualifier = rng.choice(QUALIFIERS)
        title = f"{subject}: {qualifier}"
        description = (
            f"{subject} — {qualifier}. Занятия ведут педагоги «{provider.short_name}»; "
            f"группы до {rng.choice([10, 12, 15, 20])} человек, "
            f"{rng.choice(['очно', 'в кабинете школы', 'в доме культуры', 'на стадионе'])}."
        )
        program = Program(
            provider=provider,
            title=title,
            description=description,
            direction=direction,
            age_min=age_min,
            age_max=age_max,
            study_form=StudyForm.FULL_TIME,
            duration_months=9,
            hours_per_week=rng.choice([2, 3, 4]),
            price_per_hour=rng.choice([0, 12_000, 15_000, 18_000, 20_000, 25_000, 30_000]),
            financing_source=rng.choice(SOURCES),
            accessible_ovz=rng.random() < 0.15,
            address=provider.address,
            state=ProgramState.PUBLISHED,
            search_document=search_document(
                title, description, provider.short_name, str(Direction(direction).label)
            ),
            title_document=search_document(title),
        )
        if program.financing_source == FinancingSource.BUDGET:
            program.price_per_hour = 0
        rows.append(program)
    Program.objects.bulk_create(rows, batch_size=batch)
    today = timezone.localdate()
    start = today + datetime.timedelta(days=rng.randint(10, 40))
    groups = Group.objects.bulk_create(
        (
            Group(
                program=program,
                name=f"Группа {g + 1}",
                capacity=rng.choice([10, 12, 15, 20]),
                seats_taken=0,
                start_date=start,
                end_date=start + datetime.timedelta(days=240),
                enrollment_open=rng.random() < 0.8,
                auto_accept=False,
            )
            for program in rows
            for g in range(GROUPS_PER_PROGRAM)
        ),
        batch_size=batch,
    )
    # Some groups are partly or wholly taken already, as in a catalogue that has lived a while.
    for group in groups:
        group.seats_taken = rng.choice([0, 0, 0, group.capacity // 2, group.capacity])
    Group.objects.bulk_update(groups, ["seats_taken"], batch_size=batch)
    ScheduleSlot.objects.bulk_create(
        (
            ScheduleSlot(group=group, weekday=weekday, start_time=at, hours=2)
            for n, group in enumerate(groups)
            for weekday, at in (
                (n % 5, TIMES[n % len(TIMES)]),
                ((n % 5) + 2, TIMES[(n * 7) % len(TIMES)]),
            )
        ),
        batch_size=batch,
    )
    return existing + wanted


# The catalogue's searches and query strings as parents make them (bench/browse.py's load,
# bench/page_cpu.py).
SEARCHES = [
    "робототехника",
    "шахматы",
    "рисование",
    "плавание",
    "танцы",
    "английский",
    "футбол",
    "театр",
    "программирование python",
    "хореография для начинающих",
    "лепка",
    "туризм",
    "3d",
    "гитара",
    "олимпиадная подготовка",
]


def catalog_queries(rng: random.Random, n: int = 300) -> list[str]:
    """Query strings of the catalogue as parents make them, the bare catalogue first (the load
    picks them Zipf-skewed in this order): a third the bare catalogue or one of its next
    pages, the rest a search and/or filters, now and then a later page or another sort."""
    queries: list[str] = ["", "?page=2"]  # the most common: the catalogue as it opens
    for _ in range(n - len(queries)):
        params: dict[str, str] = {}
        roll = rng.random()
        if roll < 0.33:
            if rng.random() < 0.3:
                params["page"] = str(rng.randint(2, 5))
        else:
            if rng.random() < 0.5:
                params["q"] = rng.choice(SEARCHES)
            if rng.random() < 0.5:
                params["direction"] = rng.choice(Direction.values)
            if rng.random() < 0.4:
                params["age"] = str(rng.randint(5, 17))
            if rng.random() < 0.2:
                params["source"] = rng.choice(FinancingSource.values)
            if rng.random() < 0.2:
                params["weekday"] = str(rng.randint(0, 6))
            if rng.random() < 0.2:
                params["free"] = "on"
            if rng.random() < 0.15:
                params["sort"] = rng.choice(["price", "newest"])
            if rng.random() < 0.15:
                params["page"] = "2"
        queries.append("?" + urllib.parse.urlencode(params) if params else "")
    return queries
