"""Seed the rush: a municipality with its financing program, providers, programs and groups
built through the catalog's services, and thousands of families (a parent, a child, the
guardianship) and their log-in sessions inserted in bulk.

Imported by `bench/rush.py` after `django.setup()`. The bulk part writes rows the services
would write (a parent with a confirmed e-mail in the municipality; a child with a valid
СНИЛС whose age at the group's start fits the program it will apply to) without the per-row
checks, which would take minutes for 5,000 families and are not what the rush measures.
"""

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from kruzhok.accounts.models import Role, User
from kruzhok.catalog import groups as catalog_groups
from kruzhok.catalog import programs as catalog_programs
from kruzhok.catalog.models import Direction, FinancingSource, Group, ProgramState
from kruzhok.certificates import services as certificate_services
from kruzhok.common.models import Municipality
from kruzhok.common.sample_numbers import inn_sample, ogrn_sample, snils_sample
from kruzhok.families.models import Child, Guardianship
from kruzhok.providers import services as provider_services
from kruzhok.providers.models import ProviderKind, ProviderStatus, StaffRole

MUNICIPALITY_NAME = "Бенчмарк «Запись»"
PROGRAMS_PER_PROVIDER = 5
GROUPS_PER_PROGRAM = 3
# (title, direction, age range): a spread of ages so that children must fit their group.
PROGRAM_KINDS = [
    ("Робототехника", Direction.TECHNICAL, 7, 14),
    ("Программирование на Python", Direction.TECHNICAL, 10, 17),
    ("Изостудия", Direction.ARTS, 5, 12),
    ("Хореография", Direction.ARTS, 5, 17),
    ("Юный эколог", Direction.SCIENCE, 7, 12),
    ("Занимательная химия", Direction.SCIENCE, 12, 17),
    ("Школа вожатых", Direction.SOCIAL, 13, 17),
    ("Английский для малышей", Direction.SOCIAL, 5, 8),
    ("Краеведение", Direction.TOURISM, 9, 16),
    ("Спортивный туризм", Direction.TOURISM, 10, 17),
    ("Футбол", Direction.SPORTS, 6, 14),
    ("Шахматы", Direction.SPORTS, 5, 18),
]
SOURCES = [FinancingSource.CERTIFICATE] * 8 + [FinancingSource.BUDGET, FinancingSource.PAID]
ZIPF_S = 1.1


@dataclass(frozen=True)
class Family:
    session_key: str
    child_id: int
    group_id: int


def _months(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def groups_seed(*, groups: int, capacity: int, rng: random.Random) -> list[Group]:
    """The municipality, its financing program and `groups` groups with auto-accept on and
    enrolment open, every one through the catalog's services (lessons generated too)."""
    today = timezone.localdate()
    start = today + datetime.timedelta(days=30)
    end = start + datetime.timedelta(days=150)
    programs = -(-groups // GROUPS_PER_PROGRAM)
    providers = -(-programs // PROGRAMS_PER_PROVIDER)
    created: list[Group] = []
    municipality = Municipality.objects.create(name=MUNICIPALITY_NAME, children_population=50_000)
    certificate_services.financing_program_create(
        municipality=municipality,
        title="Программа ПФДО бенчмарка",
        period_start=today - datetime.timedelta(days=90),
        period_end=today + datetime.timedelta(days=270),
        max_funded_certificates=10_000,
        budget_cap=10_000 * 1_200_000,
        nominal_bands=[(5, 13, 1_200_000), (14, 18, 900_000)],
        max_programs_per_child=3,
    )
    # Money moved above, in the budget's own durable transaction; the catalogue in one.
    with transaction.atomic():
        password = make_password(None)
        times = [datetime.time(14, 0), datetime.time(15, 30), datetime.time(17, 0)]
        for p in range(providers):
            serial = 5000 + p
            provider = provider_services.provider_create(
                kind=ProviderKind.ORGANIZATION,
                full_name=f"АНО ДО «Бенчмарк-{p + 1}»",
                short_name=f"Бенчмарк-{p + 1}",
                inn=inn_sample(serial, prefix="2616"),
                ogrn=ogrn_sample(serial, prefix="2616"),
                license_number=f"Л035-01210-26/{serial:08d}",
                address=f"г. Нефтекумск, ул. Ленина, д. {p + 1}",
                municipality=municipality,
                status=ProviderStatus.APPROVED,
            )
            admin = User.objects.create(
                email=f"admin{p + 1}@rush.kruzhok.local",
                password=password,
                last_name="Администратор",
                first_name=f"Бенчмарк-{p + 1}",
                role=Role.PROVIDER,
                email_confirmed_at=timezone.now(),
            )
            provider_services.provider_staff_add(
                provider=provider, user=admin, role=StaffRole.ADMIN
            )
            for k in range(PROGRAMS_PER_PROVIDER):
                if len(created) >= groups:
                    break
                title, direction, age_min, age_max = PROGRAM_KINDS[
                    (p * PROGRAMS_PER_PROVIDER + k) % len(PROGRAM_KINDS)
                ]
                program = catalog_programs.program_create(
                    provider=provider,
                    title=f"{title} ({provider.short_name})",
                    description=f"{title}: занятия в группах до {capacity} человек.",
                    direction=direction,
                    age_min=age_min,
                    age_max=age_max,
                    duration_months=_months(start, end),
                    hours_per_week=2,
                    price_per_hour=rng.choice([15_000, 18_000, 20_000, 25_000]),
                    financing_source=rng.choice(SOURCES),
                    address=provider.address,
                    state=ProgramState.PUBLISHED,
                )
                for g in range(GROUPS_PER_PROGRAM):
                    if len(created) >= groups:
                        break
                    at = times[(k + g) % len(times)]
                    created.append(
                        catalog_groups.group_create(
                            program=program,
                            name=f"Группа {g + 1}",
                            capacity=capacity,
                            start_date=start,
                            end_date=end,
                            schedule=[(g % 3, at, 1), (g % 3 + 3, at, 1)],
                            enrollment_open=True,
                            auto_accept=True,
                        )
                    )
    return list(
        Group.objects.select_related("program__provider__municipality").filter(
            pk__in=[g.pk for g in created]
        )
    )


def zipf_weights(n: int, s: float = ZIPF_S) -> list[float]:
    """Popularity of the ranks 1..n: proportional to 1/k^s."""
    return [1.0 / k**s for k in range(1, n + 1)]


def _birth_date(rng: random.Random, age: int, on: datetime.date) -> datetime.date:
    """A birth date giving exactly `age` full years on the day `on`."""
    earliest = on.replace(year=on.year - age - 1)
    return earliest + datetime.timedelta(days=rng.randint(1, 364))


def families_seed(
    *, families: int, groups: list[Group], rng: random.Random, batch: int = 1000
) -> list[Family]:
    """`families` parents with one child each and a logged-in session each; every family has
    chosen a group (Zipf-skewed by a random popularity rank) its child's age fits."""
    municipality = groups[0].program.provider.municipality
    popularity = groups[:]
    rng.shuffle(popularity)
    weights = zipf_weights(len(popularity))
    choices = rng.choices(popularity, weights=weights, k=families)
    now = timezone.now()
    password = make_password(None)
    parents = [
        User(
            email=f"parent{n + 1}@rush.kruzhok.local",
            password=password,
            last_name="Родитель",
            first_name=str(n + 1),
            role=Role.PARENT,
            municipality=municipality,
            email_confirmed_at=now,
        )
        for n in range(families)
    ]
    children = []
    for n, group in enumerate(choices):
        program = group.program
        age = rng.randint(program.age_min, min(program.age_max, 17))
        children.append(
            Child(
                last_name="Ребёнок",
                first_name=str(n + 1),
                birth_date=_birth_date(rng, age, group.start_date),
                snils=snils_sample(100_000 + n),
                municipality=municipality,
            )
        )
    with transaction.atomic():
        User.objects.bulk_create(parents, batch_size=batch)
        Child.objects.bulk_create(children, batch_size=batch)
        Guardianship.objects.bulk_create(
            (
                Guardianship(child=child, user=parent, is_primary=True)
                for parent, child in zip(parents, children, strict=True)
            ),
            batch_size=batch,
        )
        sessions = [_session(parent) for parent in parents]
        Session.objects.bulk_create(sessions, batch_size=batch)
    return [
        Family(session_key=session.session_key, child_id=child.pk, group_id=group.pk)
        for session, child, group in zip(sessions, children, choices, strict=True)
    ]


def _session(user: User) -> Session:
    """The session a log-in would create: what AuthenticationMiddleware reads back."""
    store = SessionStore()
    data = {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[-1],
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }
    return Session(
        session_key=get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789"),
        session_data=store.encode(data),
        expire_date=timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE),
    )
