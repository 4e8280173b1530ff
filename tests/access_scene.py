"""The scene the access matrix walks: two municipalities, each with what every page needs.

Side "x": municipality M, provider X (administrator, the group's teacher, another teacher
without a group), parent A whose child Альфимова has a contract in X's group and whose
other child's application there awaits a decision. Side "y": municipality N, provider Y,
parent B with two children Бетова likewise in Y's group — whose teacher was taken off Y's
staff (the removed teacher: `Group.teacher` still points at them).
October is closed in both, so each has a closure and an invoice with its documents; each
provider has a pending staff invitation. Built through the real services, then the clock
stands at 05.11.2026 12:00 (Moscow).
"""

import dataclasses
import datetime
from dataclasses import dataclass

from django.contrib.auth.models import Group as PermissionGroup
from django.contrib.auth.models import Permission

from kruzhok.accounts.models import Role, User
from kruzhok.attendance.services import attendance_mark
from kruzhok.billing.models import Invoice, MonthClosure
from kruzhok.billing.month_close import month_close
from kruzhok.billing.tests.invoices import payer_details_set
from kruzhok.certificates.models import FinancingProgram
from kruzhok.common.sample_numbers import snils_sample
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.models import Application
from kruzhok.enrollment.tests.world import MOSCOW, World, contract_made, user_make, world_make
from kruzhok.families import services as family_services
from kruzhok.families.corrections import child_correction_request
from kruzhok.families.invitations import guardian_invite
from kruzhok.families.models import Child
from kruzhok.providers import services as provider_services
from kruzhok.providers.invitations import staff_invite
from kruzhok.providers.models import ProviderStaff, StaffInvitation, StaffRole

OCTOBER = datetime.date(2026, 10, 1)
CREATED_AT = datetime.datetime(2026, 10, 15, 18, 0, tzinfo=MOSCOW)
WALKED_AT = datetime.datetime(2026, 11, 5, 12, 0, tzinfo=MOSCOW)
# The children's surnames: personal data that must show only to those who may see the child.
SURNAMES = {"x": "Альфимова", "y": "Бетова"}

IDENTITIES = (
    "anonymous",
    "parent_a",
    "parent_b",
    "admin_x",
    "admin_y",
    "teacher",
    "other_teacher",
    "removed_teacher",
    "operator_m",
    "operator_n",
    "regional",
)


@dataclass
class Scene:
    users: dict[str, User | None]  # by identity; None for the anonymous visitor
    superuser: User
    # Objects a URL's path parameters take, by kind, then by side ("x" or "y").
    objects: dict[str, dict[str, int]]


def _child(world: World, side: str, first_name: str, n: int) -> Child:
    return family_services.child_add(
        parent=world.parent,
        last_name=SURNAMES[side],
        first_name=first_name,
        patronymic="Игоревна",
        birth_date=datetime.date(2016, 5, 20),
        snils=snils_sample(9100 + 2 * ord(side) + n),
        today=CREATED_AT.date(),
    )


def _operator(world: World) -> User:
    """A municipal operator as the demo makes one: staff of /admin/ with its view rights."""
    operator = user_make(Role.OPERATOR, world.municipality)
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    group, _ = PermissionGroup.objects.get_or_create(name="Муниципальный оператор")
    group.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    operator.groups.add(group)
    return operator


def _side(world: World, side: str) -> tuple[World, dict[str, int]]:
    world = dataclasses.replace(world, child=_child(world, side, "Вера", 0))
    contract = contract_made(world)
    # A sister's application waits for the provider's decision: the queue's default view.
    enrollment_services.application_submit(
        parent=world.parent, child_id=_child(world, side, "Ольга", 1).pk, group_id=world.group.pk
    )
    lesson = world.group.lessons.get(date=CREATED_AT.date())
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    staff_invite(
        provider=world.provider,
        inviter=world.admin,
        email=f"invited-{side}@example.ru",
        role=StaffRole.TEACHER,
    )
    # The parent's invitation to a second guardian, not yet accepted.
    guardian_invitation = guardian_invite(
        inviter=world.parent, email=f"second-{side}@example.ru", child_ids=[world.child.pk]
    )
    # The parent asks the operator to correct the child's birth date.
    correction = child_correction_request(
        parent=world.parent,
        child=world.child,
        field="birth_date",
        new_value=datetime.date(2016, 5, 21),
        reason="Ошибка в дне рождения",
        today=CREATED_AT.date(),
    )
    return world, {
        "correction": correction.pk,
        "guardian_invitation": guardian_invitation.pk,
        "child": world.child.pk,
        "program": world.program.pk,
        "group": world.group.pk,
        "provider": world.provider.pk,
        "application": contract.application_id,
        "contract": contract.pk,
        "financing": world.financing.pk,
        "municipality": world.municipality.pk,
        "lesson": world.group.lessons.get(date=datetime.date(2026, 11, 3)).pk,
    }


def scene_make(time_machine) -> Scene:  # type: ignore[no-untyped-def]
    time_machine.move_to(CREATED_AT, tick=False)
    x, ids_x = _side(world_make(), "x")
    y, ids_y = _side(world_make(), "y")
    other_teacher = user_make(Role.PROVIDER)
    provider_services.provider_staff_add(
        provider=x.provider, user=other_teacher, role=StaffRole.TEACHER
    )
    # Y's teacher leaves: the membership goes, the group's pointer stays.
    ProviderStaff.objects.filter(provider=y.provider, user=y.teacher).delete()
    users: dict[str, User | None] = {
        "anonymous": None,
        "parent_a": x.parent,
        "parent_b": y.parent,
        "admin_x": x.admin,
        "admin_y": y.admin,
        "teacher": x.teacher,
        "other_teacher": other_teacher,
        "removed_teacher": y.teacher,
        "operator_m": _operator(x),
        "operator_n": _operator(y),
        "regional": user_make(Role.REGIONAL_ADMIN),
    }
    time_machine.move_to(WALKED_AT, tick=False)
    for world in (x, y):
        payer_details_set(world.municipality)
        month_close(actor=None, municipality=world.municipality, month=OCTOBER)
    objects: dict[str, dict[str, int]] = {}
    for side, ids, world in (("x", ids_x, x), ("y", ids_y, y)):
        ids["closure"] = MonthClosure.objects.get(municipality=world.municipality).pk
        ids["invoice"] = Invoice.objects.get(provider=world.provider).pk
        ids["invitation"] = StaffInvitation.objects.get(provider=world.provider).pk
        for kind, pk in ids.items():
            objects.setdefault(kind, {})[side] = pk
    assert Application.objects.count() == 4
    assert FinancingProgram.objects.count() == 2
    superuser = User.objects.create_superuser("root@example.ru", "correct-horse-battery")
    return Scene(users=users, superuser=superuser, objects=objects)
