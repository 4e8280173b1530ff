"""Access follows current membership: a teacher taken off the provider's staff (or now working
for another provider) loses the group's journal, its export, the application queue, the
contracts export, the contract PDF and marking, although `Group.teacher` still points at them."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kruzhok.attendance import services
from kruzhok.attendance.models import AttendanceMark
from kruzhok.attendance.services import AttendanceError
from kruzhok.attendance.tests.conftest import contract_make
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.errors import EnrollmentError
from kruzhok.enrollment.tests.world import TODAY, child_make, provider_make
from kruzhok.providers import services as provider_services
from kruzhok.providers.models import ProviderStaff, StaffRole


def _removed(world):
    ProviderStaff.objects.filter(user=world.teacher, provider=world.provider).delete()


def _moved_to_another_provider(world):
    _removed(world)
    other, _, _ = provider_make(world.municipality)
    provider_services.provider_staff_add(provider=other, user=world.teacher, role=StaffRole.TEACHER)


LOSING_MEMBERSHIP = [_removed, _moved_to_another_provider]


@pytest.fixture
def lesson(world):
    return world.group.lessons.get(date=TODAY)


def _pages(world, contract, lesson):
    return {
        "journal": reverse("attendance:journal", args=[world.group.pk]),
        "journal_xlsx": reverse("attendance:journal_xlsx", args=[world.group.pk]),
        "lesson": reverse("attendance:lesson", args=[lesson.pk]),
        "lesson_change": reverse("attendance:lesson_change", args=[lesson.pk]),
        "contract_pdf": reverse("enrollment:contract_pdf", args=[contract.application_id]),
    }


def test_the_teacher_on_the_staff_opens_every_page(client, world, lesson):
    contract = contract_make(world)
    client.force_login(world.teacher)
    for name, url in _pages(world, contract, lesson).items():
        assert client.get(url).status_code == 200, name
    assert (
        world.child.initials_name
        in client.get(reverse("enrollment:provider_queue") + "?status=all").content.decode()
    )


@pytest.mark.parametrize("lose", LOSING_MEMBERSHIP)
def test_a_teacher_off_the_staff_loses_every_page_of_the_group(client, world, lesson, lose):
    contract = contract_make(world)
    lose(world)
    client.force_login(world.teacher)
    for name, url in _pages(world, contract, lesson).items():
        assert client.get(url).status_code == 404, name
    groups = client.get(reverse("attendance:my_groups")).content.decode()
    assert world.group.name not in groups
    queue = client.get(reverse("enrollment:provider_queue") + "?status=all").content.decode()
    assert world.child.last_name not in queue
    assert world.group.name not in queue
    contracts = client.get(reverse("attendance:contracts_xlsx"))
    assert contracts.status_code == 200
    assert contract.number.encode() not in _xlsx_text(contracts.content)


@pytest.mark.parametrize("lose", LOSING_MEMBERSHIP)
def test_a_teacher_off_the_staff_cannot_mark(client, world, lesson, lose):
    contract = contract_make(world)
    lose(world)
    client.force_login(world.teacher)
    response = client.post(
        reverse("attendance:mark"), {"lesson": lesson.pk, "contract": contract.pk, "present": "1"}
    )
    assert response.status_code == 404
    with pytest.raises(AttendanceError):
        services.attendance_mark(
            actor=world.teacher, lesson=lesson, contract=contract, present=True
        )
    assert not AttendanceMark.objects.exists()


@pytest.mark.parametrize("lose", LOSING_MEMBERSHIP)
def test_a_teacher_off_the_staff_cannot_decide_on_applications(world, lose):
    child = child_make(world.parent)
    application = enrollment_services.application_submit(
        parent=world.parent, child_id=child.pk, group_id=world.group.pk
    )
    lose(world)
    with pytest.raises(EnrollmentError):
        enrollment_services.application_accept(actor=world.teacher, application=application)
    application.refresh_from_db()
    assert application.status == "submitted"


def _xlsx_text(content: bytes) -> bytes:
    """The workbook's cells as bytes: the XLSX is a zip, its strings are stored compressed."""
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row).encode()
