"""A municipality whose figures are counted by hand (see each assertion's comment).

On the report date 15.10.2026 (the world's today):

* Артём, 10, attends three clubs: техническая, художественная, физкультурно-спортивная;
* Вера turns 5 that very day and attends the art club; aged 4 at the period's start, her
  certificate stays a certificate of accounting (no age band for 4);
* Глеб turned 18 that very day and attends the sports club;
* Денис is 18 and turns 19 the next day; he attends the technical club;
* Егор, 12, had a contract in the technical club, withdrawn from the report date;
* Фаина, 9, has an application accepted, no contract yet;
* the first lessons are marked (see `scene_make`): 300 ₽ charged to Глеб's certificate, 300 ₽
  to Артём's parents, and one charge of Денис's reversed.

Every club starts on the report date. The population is 10 children of each age 5–18 (140).
A second municipality has one covered child the first one's operator must never see.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from kruzhok.accounts.models import Role, User
from kruzhok.attendance.services import attendance_mark
from kruzhok.catalog.models import Direction, Group, Lesson, Program
from kruzhok.common.models import Municipality
from kruzhok.common.population import population_set
from kruzhok.enrollment.tests.world import (
    TODAY,
    World,
    application_accepted,
    child_make,
    contract_made,
    group_make,
    program_make,
    user_make,
    world_make,
)
from kruzhok.enrollment.withdrawal import contract_withdraw
from kruzhok.families.models import Child

ON = TODAY  # 15.10.2026


@dataclass
class Scene:
    world: World
    other: World
    programs: dict[str, Program]
    groups: dict[str, Group]
    children: dict[str, Child]
    operator: User
    other_operator: User
    regional: User


def _club(world: World, direction: str, title: str) -> tuple[Program, Group]:
    program = program_make(world.provider, title=title, age_min=5, age_max=18)
    Program.objects.filter(pk=program.pk).update(direction=direction)
    program.refresh_from_db()
    group = group_make(program, world.teacher, start=ON, capacity=10)
    return program, group


def _adult(world: World, birth_date: datetime.date) -> Child:
    """A child registered before turning 18 (registration refuses an 18-year-old), now 18."""
    child = child_make(world.parent, birth_date=datetime.date(2010, 1, 1))
    Child.objects.filter(pk=child.pk).update(birth_date=birth_date)
    child.refresh_from_db()
    return child


def scene_make() -> Scene:
    world = world_make()
    programs, groups = {}, {}
    for key, direction, title in (
        ("tech", Direction.TECHNICAL, "Робототехника для всех"),
        ("art", Direction.ARTS, "Рисование"),
        ("sport", Direction.SPORTS, "Плавание"),
    ):
        programs[key], groups[key] = _club(world, direction, title)
    children = {
        "artem": world.child,  # born 20.05.2016: 10
        "vera": child_make(world.parent, birth_date=datetime.date(2021, 10, 15)),
        "gleb": _adult(world, datetime.date(2008, 10, 15)),
        "denis": _adult(world, datetime.date(2007, 10, 16)),
        "egor": child_make(world.parent, birth_date=datetime.date(2014, 3, 1)),
        "faina": child_make(world.parent, birth_date=datetime.date(2017, 1, 10)),
    }
    artem = [
        contract_made(world, child=children["artem"], group=groups[club])
        for club in ("tech", "art", "sport")
    ]
    contract_made(world, child=children["vera"], group=groups["art"])
    gleb = contract_made(world, child=children["gleb"], group=groups["sport"])
    denis = contract_made(world, child=children["denis"], group=groups["tech"])
    # The first lessons (Thursday 15.10.2026, 15:00, two hours at 150 ₽): Глеб and Артём
    # attend swimming — 300 ₽ each, Глеб's from his certificate, Артём's by his parents (his
    # certificate went to his first two contracts); Денис is marked at robotics by mistake and
    # un-marked, so his charge is reversed and counts nowhere.
    sport_lesson = Lesson.objects.get(group=groups["sport"], date=ON)
    tech_lesson = Lesson.objects.get(group=groups["tech"], date=ON)
    for contract in (gleb, artem[2]):
        attendance_mark(actor=world.teacher, lesson=sport_lesson, contract=contract, present=True)
    for present in (True, False):
        attendance_mark(actor=world.teacher, lesson=tech_lesson, contract=denis, present=present)
    egor = contract_made(world, child=children["egor"], group=groups["tech"])
    contract_withdraw(
        actor=world.parent, application=egor.application, on=ON, reason="Переезд", today=ON
    )
    application_accepted(world, child=children["faina"], group=groups["tech"])
    population_set(
        municipality=world.municipality,
        figures=dict.fromkeys(range(5, 19), 10),
        as_of=ON,
        actor=AnonymousUser(),
    )

    other = world_make()
    contract_made(other)  # the other municipality's child, 10, in its own club
    Municipality.objects.filter(pk=other.municipality.pk).update(children_population=50)
    return Scene(
        world=world,
        other=other,
        programs=programs,
        groups=groups,
        children=children,
        operator=user_make(Role.OPERATOR, world.municipality),
        other_operator=user_make(Role.OPERATOR, other.municipality),
        regional=user_make(Role.REGIONAL_ADMIN),
    )
