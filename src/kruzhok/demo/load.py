"""Build the demo municipality through the same services the portal uses.

Everything is created once: `demo_load` does nothing when the municipality exists. Contracts
of the demo families are back-dated to the groups' start and past lessons are marked, so the
demo parent's cabinet shows real debits at once.
"""

import datetime
import random
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kruzhok.accounts.models import Role, User
from kruzhok.attendance import services as attendance_services
from kruzhok.catalog import groups as catalog_groups
from kruzhok.catalog import programs as catalog_programs
from kruzhok.catalog.models import Group, Lesson, LessonStatus, Program, ProgramState
from kruzhok.certificates import services as certificate_services
from kruzhok.common.models import Municipality
from kruzhok.common.money import rubles_to_kopecks
from kruzhok.common.sample_numbers import inn_sample, ogrn_sample, snils_sample
from kruzhok.demo import data
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Application
from kruzhok.families import services as family_services
from kruzhok.families.models import Child
from kruzhok.providers import services as provider_services
from kruzhok.providers.bank_details import (
    correspondent_account_with_key,
    settlement_account_with_key,
)
from kruzhok.providers.models import ProviderKind, ProviderStatus, StaffRole

MUNICIPALITY_NAME = "Нефтекумский городской округ"
DEMO_PASSWORD = "demo-kruzhok-2026"
PERIOD_START = datetime.date(2026, 9, 1)
PERIOD_END = datetime.date(2027, 8, 31)
GROUPS_START = datetime.date(2026, 9, 1)
GROUPS_END = datetime.date(2027, 5, 31)


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str
    note: str


DEMO_LOGINS = [
    DemoLogin("Родитель", "parent@demo.kruzhok.ru", DEMO_PASSWORD,
              "Петрова Анна Сергеевна: двое детей, сертификат со списаниями"),
    DemoLogin("Администратор поставщика", "provider@demo.kruzhok.ru", DEMO_PASSWORD,
              "АНО ДО «Кванторик»: заявки и журналы"),
    DemoLogin("Педагог", "teacher@demo.kruzhok.ru", DEMO_PASSWORD,
              "Робототехника, группа 1: журнал посещаемости"),
    DemoLogin("Муниципальный оператор", "operator@demo.kruzhok.ru", DEMO_PASSWORD,
              "/operator/: что ждёт решения, модерация, месяцы, платежи, реестры"),
]  # fmt: skip


def demo_exists() -> bool:
    return Municipality.objects.filter(name=MUNICIPALITY_NAME).exists()


# The demo's identifiers: ИНН 2614… and ОГРН 1022614… of the Нефтекумский district.
DEMO_PREFIX = "2614"


def inn_make(kind: str, serial: int) -> str:
    return inn_sample(serial, prefix=DEMO_PREFIX, entrepreneur=kind == ProviderKind.ENTREPRENEUR)


def ogrn_make(kind: str, serial: int) -> str:
    return ogrn_sample(serial, prefix=DEMO_PREFIX, entrepreneur=kind == ProviderKind.ENTREPRENEUR)


# The demo's banks: providers keep their accounts at a commercial bank, the municipality's
# authorised body pays from its treasury account; every account carries a valid control key.
# The payer's ИНН and ОГРН take serial 900, far from the providers' 1, 2, 3…
PROVIDERS_BIK = "040702615"
PROVIDERS_CORRESPONDENT = correspondent_account_with_key(
    account="30101810907020000615", bik=PROVIDERS_BIK
)
TREASURY_BIK = "010702101"
PAYER_SERIAL = 900


def provider_bank_details(kind: str, serial: int) -> dict[str, str]:
    # 40703 — a non-commercial organisation's account, 40802 — an entrepreneur's.
    prefix = "40802810" if kind == ProviderKind.ENTREPRENEUR else "40703810"
    return {
        "bank_name": "Ставропольское отделение № 5230 ПАО Сбербанк",
        "bik": PROVIDERS_BIK,
        "settlement_account": settlement_account_with_key(
            account=f"{prefix}{serial:012d}", bik=PROVIDERS_BIK
        ),
        "correspondent_account": PROVIDERS_CORRESPONDENT,
    }


def payer_details() -> dict[str, str]:
    """The municipality's authorised body, the payer of providers' invoices."""
    return {
        "payer_name": "Управление образования администрации Нефтекумского городского округа "
        "Ставропольского края",
        "payer_inn": inn_sample(PAYER_SERIAL, prefix=DEMO_PREFIX),
        "payer_kpp": f"{DEMO_PREFIX}01001",
        "payer_ogrn": ogrn_sample(PAYER_SERIAL, prefix=DEMO_PREFIX),
        "payer_address": "356880, Ставропольский край, г. Нефтекумск, пл. Ленина, д. 1",
        "payer_bank_name": "Отделение Ставрополь Банка России//УФК по Ставропольскому краю "
        "г. Ставрополь",
        "payer_bik": TREASURY_BIK,
        "payer_account": settlement_account_with_key(
            account="03231643075400002100", bik=TREASURY_BIK
        ),
        "payer_correspondent_account": correspondent_account_with_key(
            account="40102810345370000013", bik=TREASURY_BIK
        ),
    }


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # Argon2 is slow on purpose: hash the shared demo password once, not for every user.
    return make_password(DEMO_PASSWORD)


def _user(email: str, last: str, first: str, patronymic: str, role: str, **extra: object) -> User:
    return User.objects.create(
        email=email,
        password=_password_hash(),
        last_name=last,
        first_name=first,
        patronymic=patronymic,
        role=role,
        email_confirmed_at=timezone.now(),
        **extra,
    )


def _operator(municipality: Municipality) -> User:
    # The operator works in the portal's pages (/operator/); /admin/ is the superuser's.
    return _user(
        "operator@demo.kruzhok.ru", "Григорьева", "Людмила", "Павловна", Role.OPERATOR,
        municipality=municipality, phone="+78655845000",
    )  # fmt: skip


def _schedules(index: int, hours_per_week: int) -> list[list[tuple[int, datetime.time, int]]]:
    """Two groups' weekly schedules spreading the program's hours over the week."""
    times = [datetime.time(14, 0), datetime.time(15, 30), datetime.time(17, 0)]
    a, b = index % 3, (index + 1) % 3
    if hours_per_week >= 3:
        per = max(1, hours_per_week // 2)
        rest = hours_per_week - per
        return [
            [(0, times[a], per), (3, times[a], rest)],
            [(1, times[b], per), (4, times[b], rest)],
        ]
    if hours_per_week == 2:
        return [[(0, times[a], 1), (2, times[a], 1)], [(1, times[b], 2)]]
    return [[(1, times[a], 1)], [(3, times[b], 1)]]


def _months(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


@transaction.atomic
def _build_catalog(municipality: Municipality) -> dict[str, User]:
    people: dict[str, User] = {}
    providers = {}
    for n, spec in enumerate(data.PROVIDERS, start=1):
        providers[spec.key] = provider_services.provider_create(
            kind=spec.kind,
            full_name=spec.full_name,
            short_name=spec.short_name,
            inn=inn_make(spec.kind, n),
            ogrn=ogrn_make(spec.kind, n),
            license_number=""
            if spec.kind == ProviderKind.ENTREPRENEUR
            else f"Л035-01210-26/0061{n:04d}",
            address=spec.address,
            municipality=municipality,
            phone=spec.phone,
            email=f"{spec.key}@demo.kruzhok.ru",
            status=ProviderStatus.APPROVED,
            **provider_bank_details(spec.kind, n),
        )
        admin_email = (
            "provider@demo.kruzhok.ru"
            if spec.key == "kvantorik"
            else f"admin.{spec.key}@demo.kruzhok.ru"
        )
        admin = _user(admin_email, "Администратор", spec.short_name[:40], "", Role.PROVIDER)
        provider_services.provider_staff_add(
            provider=providers[spec.key], user=admin, role=StaffRole.ADMIN
        )
        people[f"admin:{spec.key}"] = admin
    teacher_names = [
        ("Кравченко", "Олег", "Викторович"),
        ("Белова", "Анна", "Игоревна"),
        ("Руденко", "Сергей", "Петрович"),
        ("Гаджиева", "Зарема", "Алиевна"),
    ]
    for index, program_spec in enumerate(data.PROGRAMS):
        provider = providers[program_spec.provider]
        teacher_key = f"teacher:{program_spec.provider}:{index % 2}"
        if teacher_key not in people:
            last, first, patronymic = teacher_names[len(people) % len(teacher_names)]
            email = (
                "teacher@demo.kruzhok.ru"
                if program_spec.title == "Робототехника"
                else f"teacher{len(people)}@demo.kruzhok.ru"
            )
            people[teacher_key] = _user(email, last, first, patronymic, Role.PROVIDER)
            provider_services.provider_staff_add(
                provider=provider, user=people[teacher_key], role=StaffRole.TEACHER
            )
        program = catalog_programs.program_create(
            provider=provider,
            title=program_spec.title,
            description=program_spec.description,
            direction=program_spec.direction,
            age_min=program_spec.age_min,
            age_max=program_spec.age_max,
            duration_months=_months(GROUPS_START, GROUPS_END),
            hours_per_week=program_spec.hours_per_week,
            price_per_hour=rubles_to_kopecks(program_spec.price_rub),
            financing_source=program_spec.source,
            address=provider.address,
            accessible_ovz=index % 4 == 0,
            state=ProgramState.PUBLISHED,
        )
        for number, schedule in enumerate(_schedules(index, program_spec.hours_per_week), start=1):
            catalog_groups.group_create(
                program=program,
                name=f"Группа {number}",
                capacity=[12, 15, 10, 20][(index + number) % 4],
                start_date=GROUPS_START,
                end_date=GROUPS_END,
                schedule=schedule,
                teacher=people[teacher_key],
                auto_accept=number == 2,
            )
    return people


@transaction.atomic
def _build_families(municipality: Municipality) -> list[tuple[User, list[Child]]]:
    families = []
    demo_parent = _user(
        "parent@demo.kruzhok.ru", "Петрова", "Анна", "Сергеевна", Role.PARENT,
        municipality=municipality, phone="+79280001234",
    )  # fmt: skip
    kids = [
        family_services.child_add(
            parent=demo_parent, last_name="Петров", first_name="Михаил",
            patronymic="Андреевич", birth_date=datetime.date(2016, 3, 14), snils=snils_sample(1),
        ),
        family_services.child_add(
            parent=demo_parent, last_name="Петрова", first_name="Софья",
            patronymic="Андреевна", birth_date=datetime.date(2019, 6, 2), snils=snils_sample(2),
        ),
    ]  # fmt: skip
    families.append((demo_parent, kids))
    rng = random.Random(2026)
    serial = 10
    for n, (female, male) in enumerate(data.FAMILY_SURNAMES):
        first, patronymic = data.MOTHER_NAMES[n % len(data.MOTHER_NAMES)]
        parent = _user(
            f"parent{n + 1}@demo.kruzhok.ru", female, first, patronymic, Role.PARENT,
            municipality=municipality, phone=f"+7928{2000000 + n:07d}",
        )  # fmt: skip
        children = []
        for _ in range(1 + n % 2):
            serial += 1
            boy = rng.random() < 0.5
            age = rng.randint(5, 17)
            birth = datetime.date(2026 - age, rng.randint(1, 8), rng.randint(1, 28))
            children.append(
                family_services.child_add(
                    parent=parent,
                    last_name=male if boy else female,
                    first_name=rng.choice(data.BOY_NAMES if boy else data.GIRL_NAMES),
                    patronymic=_patronymic(rng.choice(data.FATHER_NAMES), boy),
                    birth_date=birth,
                    snils=snils_sample(serial),
                )
            )
        families.append((parent, children))
    return families


def _patronymic(father: str, boy: bool) -> str:
    return father if boy else father.removesuffix("ич") + "на"


def _enrol(
    parent: User, child: Child, group: Group, admin: User, *, sign: bool = True
) -> Application:
    application = enrollment_services.application_submit(
        parent=parent, child_id=child.pk, group_id=group.pk, today=group.start_date
    )
    if application.status == "submitted":
        enrollment_services.application_accept(actor=admin, application=application)
    if sign:
        enrollment_services.contract_accept(
            parent=parent,
            application=application,
            ip_address="127.0.0.1",
            user_agent="demo_load",
            today=group.start_date,
        )
    application.refresh_from_db()
    return application


def _mark_past_lessons(application: Application, teacher: User, rng: random.Random) -> int:
    contract = application.contract
    today = timezone.localdate()
    lessons = Lesson.objects.filter(
        group=application.group,
        date__gte=contract.start_date,
        date__lt=today,
        status=LessonStatus.PLANNED,
    )
    marked = 0
    for lesson in lessons:
        # Marked on the lesson's day, as a teacher at the gym door would have.
        attendance_services.attendance_mark(
            actor=teacher,
            lesson=lesson,
            contract=contract,
            present=rng.random() < 0.88,
            today=lesson.date,
        )
        marked += 1
    return marked


def _group(title: str, number: int = 1) -> Group:
    return Group.objects.select_related("program__provider", "teacher").get(
        program__title=title, name=f"Группа {number}"
    )


def _fitting_group(child: Child, rng: random.Random) -> Group | None:
    age = child.age_on(GROUPS_START)
    programs = list(
        Program.objects.filter(age_min__lte=age, age_max__gte=age, state=ProgramState.PUBLISHED)
    )
    rng.shuffle(programs)
    for program in programs:
        for group in program.groups.select_related("program__provider", "teacher"):
            if group.free_seats > 1:
                return group
    return None


def demo_load() -> list[DemoLogin]:
    """Create the demo municipality once; return the log-ins to print."""
    if demo_exists():
        return DEMO_LOGINS
    with transaction.atomic():
        municipality = Municipality.objects.create(
            name=MUNICIPALITY_NAME, region_code="26", children_population=9_850, **payer_details()
        )
        _operator(municipality)
    certificate_services.financing_program_create(
        municipality=municipality,
        title="Программа персонифицированного финансирования Нефтекумского городского "
        "округа на 2026/2027 учебный год",
        period_start=PERIOD_START,
        period_end=PERIOD_END,
        max_funded_certificates=3_000,
        budget_cap=rubles_to_kopecks(30_000_000),
        nominal_bands=[(5, 13, rubles_to_kopecks(12_000)), (14, 18, rubles_to_kopecks(9_000))],
        max_programs_per_child=3,
    )
    people = _build_catalog(municipality)
    families = _build_families(municipality)
    rng = random.Random(28)

    key_by_name = {spec.short_name: spec.key for spec in data.PROVIDERS}

    def admin_of(group: Group) -> User:
        return people[f"admin:{key_by_name[group.program.provider.short_name]}"]

    # The demo parent: Михаил in robotics, Софья in choreography, both attending since September.
    demo_parent, (mikhail, sofya) = families[0]
    for child, group in (
        (mikhail, _group("Робототехника")),
        (sofya, _group("Хореография «Капельки»")),
    ):
        application = _enrol(demo_parent, child, group, admin_of(group))
        assert group.teacher is not None
        _mark_past_lessons(application, group.teacher, rng)
    # Other families: most attend somewhere; a few wait for a decision or for the offer.
    for n, (parent, children) in enumerate(families[1:]):
        for child in children:
            fitting = _fitting_group(child, rng)
            if fitting is None:
                continue
            group = fitting
            if n % 7 == 3:
                enrollment_services.application_submit(
                    parent=parent,
                    child_id=child.pk,
                    group_id=(
                        _group("Робототехника") if 8 <= child.age_on(GROUPS_START) <= 14 else group
                    ).pk,
                )
                continue
            application = _enrol(parent, child, group, admin_of(group), sign=n % 7 != 5)
            if n % 3 == 0 and application.status == "active" and group.teacher is not None:
                _mark_past_lessons(application, group.teacher, rng)
    return DEMO_LOGINS
