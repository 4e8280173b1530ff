"""A small municipality built through the real services, for enrolment, billing and
attendance tests: one approved provider with an administrator and a teacher, a published
certificate-paid program with a group, a financing program, and a parent with a child."""

import datetime
import itertools
import zoneinfo
from dataclasses import dataclass

from kruzhok.accounts.models import Role, User
from kruzhok.catalog import groups as catalog_groups
from kruzhok.catalog import programs as catalog_programs
from kruzhok.catalog.models import FinancingSource, Group, Program, ProgramState
from kruzhok.certificates import services as certificate_services
from kruzhok.certificates.models import FinancingProgram
from kruzhok.common.models import Municipality
from kruzhok.common.sample_numbers import inn_sample, ogrn_sample, snils_sample
from kruzhok.families import services as family_services
from kruzhok.families.models import Child
from kruzhok.providers import services as provider_services
from kruzhok.providers.models import Provider, ProviderKind, ProviderStatus, StaffRole

MOSCOW = zoneinfo.ZoneInfo("Europe/Moscow")
# Thursday 15.10.2026, 18:00 in Moscow: the group below has met on Tuesdays and Thursdays since
# 01.09.2026, so there are past lessons and a lesson today.
NOW = datetime.datetime(2026, 10, 15, 18, 0, tzinfo=MOSCOW)
TODAY = NOW.date()
PERIOD_START = datetime.date(2026, 9, 1)

_serial = itertools.count(1)
# ИНН and ОГРН of the world's providers, apart from the demo's and the factories'.
WORLD_PREFIX = "2615"


def user_make(role: str = Role.PARENT, municipality: Municipality | None = None) -> User:
    n = next(_serial)
    return User.objects.create_user(
        f"user{n}@example.ru",
        "correct-horse-battery",
        last_name=f"Тестов{n}",
        first_name="Пётр",
        role=role,
        municipality=municipality,
    )


def provider_make(municipality: Municipality) -> tuple[Provider, User, User]:
    n = next(_serial)
    provider = provider_services.provider_create(
        kind=ProviderKind.ORGANIZATION,
        full_name=f"Центр дополнительного образования № {n}",
        short_name=f"ЦДО № {n}",
        inn=inn_sample(n, prefix=WORLD_PREFIX),
        ogrn=ogrn_sample(n, prefix=WORLD_PREFIX),
        license_number="Л035-01",
        address="г. Нефтекумск, ул. Ленина, 1",
        municipality=municipality,
        status=ProviderStatus.APPROVED,
    )
    admin = user_make(Role.PROVIDER)
    teacher = user_make(Role.PROVIDER)
    provider_services.provider_staff_add(provider=provider, user=admin, role=StaffRole.ADMIN)
    provider_services.provider_staff_add(provider=provider, user=teacher, role=StaffRole.TEACHER)
    return provider, admin, teacher


def program_make(
    provider: Provider,
    *,
    title: str = "Робототехника",
    price_per_hour: int = 150_00,
    age_min: int = 7,
    age_max: int = 14,
    financing_source: str = FinancingSource.CERTIFICATE,
    description: str = "Конструируем и программируем роботов.",
) -> Program:
    return catalog_programs.program_create(
        provider=provider,
        title=title,
        description=description,
        direction="tekhnicheskoe",
        age_min=age_min,
        age_max=age_max,
        duration_months=4,
        hours_per_week=4,
        price_per_hour=price_per_hour,
        financing_source=financing_source,
        address=provider.address,
        state=ProgramState.PUBLISHED,
    )


def group_make(
    program: Program,
    teacher: User | None,
    *,
    capacity: int = 10,
    auto_accept: bool = False,
    start: datetime.date = PERIOD_START,
    end: datetime.date = datetime.date(2026, 12, 24),
    schedule: list[tuple[int, datetime.time, int]] | None = None,
) -> Group:
    return catalog_groups.group_create(
        program=program,
        name=f"Группа {next(_serial)}",
        capacity=capacity,
        start_date=start,
        end_date=end,
        # Tuesdays and Thursdays, two academic hours each, unless told otherwise.
        schedule=schedule or [(1, datetime.time(15, 0), 2), (3, datetime.time(15, 0), 2)],
        teacher=teacher,
        auto_accept=auto_accept,
    )


def child_make(parent: User, *, birth_date: datetime.date = datetime.date(2016, 5, 20)) -> Child:
    return family_services.child_add(
        parent=parent,
        last_name="Соколов",
        first_name="Артём",
        patronymic="Игоревич",
        birth_date=birth_date,
        snils=snils_sample(next(_serial) + 3000),
        today=TODAY,
    )


@dataclass
class World:
    municipality: Municipality
    financing: FinancingProgram
    provider: Provider
    admin: User
    teacher: User
    program: Program
    group: Group
    parent: User
    child: Child


def world_make(
    *,
    nominal: int = 12_000_00,
    max_funded: int = 100,
    budget_cap: int = 1_000_000_00,
    max_programs_per_child: int = 3,
    price_per_hour: int = 150_00,
) -> World:
    municipality = Municipality.objects.create(name=f"Муниципалитет {next(_serial)}")
    financing = certificate_services.financing_program_create(
        municipality=municipality,
        title="ПФДО 2026/2027",
        period_start=PERIOD_START,
        period_end=datetime.date(2027, 8, 31),
        max_funded_certificates=max_funded,
        budget_cap=budget_cap,
        nominal_bands=[(5, 13, nominal), (14, 18, nominal * 3 // 4)],
        max_programs_per_child=max_programs_per_child,
    )
    provider, admin, teacher = provider_make(municipality)
    program = program_make(provider, price_per_hour=price_per_hour)
    group = group_make(program, teacher)
    parent = user_make(Role.PARENT, municipality)
    return World(
        municipality=municipality,
        financing=financing,
        provider=provider,
        admin=admin,
        teacher=teacher,
        program=program,
        group=group,
        parent=parent,
        child=child_make(parent),
    )


def application_accepted(world: World, *, child: Child | None = None, group: Group | None = None):
    """An application the provider has accepted (a seat taken, the offer open)."""
    from kruzhok.enrollment import services

    application = services.application_submit(
        parent=world.parent, child_id=(child or world.child).pk, group_id=(group or world.group).pk
    )
    if application.status == "submitted":
        application = services.application_accept(actor=world.admin, application=application)
    return application


def contract_made(world: World, *, child: Child | None = None, group: Group | None = None):
    """An accepted offer: the contract concluded and the certificate part reserved."""
    from kruzhok.enrollment import services

    application = application_accepted(world, child=child, group=group)
    return services.contract_accept(parent=world.parent, application=application)


def neighbour_contract(world: World, *, name: str = "Соседний округ"):
    """A child of another municipality, which funds certificates of its own, under contract in
    the world's group: that municipality pays for the child's lessons and bills them.
    Returns (the municipality, the contract)."""
    from kruzhok.enrollment import services

    home = Municipality.objects.create(name=name)
    certificate_services.financing_program_create(
        municipality=home,
        title="ПФДО соседей",
        period_start=PERIOD_START,
        period_end=datetime.date(2027, 8, 31),
        max_funded_certificates=10,
        budget_cap=100_000_00,
        nominal_bands=[(5, 18, 12_000_00)],
    )
    parent = user_make(Role.PARENT, home)
    application = services.application_submit(
        parent=parent, child_id=child_make(parent).pk, group_id=world.group.pk
    )
    services.application_accept(actor=world.admin, application=application)
    return home, services.contract_accept(parent=parent, application=application)


def full_group(world: World, *, capacity: int = 1, waiting: int = 0, **kwargs) -> Group:
    """An auto-accept group filled by other children of the world's parent, with `waiting`
    more children on its waiting line (each applying a minute after the previous one)."""
    from kruzhok.enrollment import services

    group = group_make(world.program, world.teacher, capacity=capacity, auto_accept=True, **kwargs)
    for _ in range(capacity + waiting):
        child = child_make(world.parent)
        services.application_submit(parent=world.parent, child_id=child.pk, group_id=group.pk)
    return group
