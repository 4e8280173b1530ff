"""XLSX exports: the journal of a group for a month and the provider's contracts."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kruzhok.attendance.services import attendance_mark
from kruzhok.attendance.tests.conftest import contract_make
from kruzhok.catalog.models import Program
from kruzhok.enrollment.tests.world import (
    child_make,
    group_make,
    program_make,
    provider_make,
    user_make,
)
from kruzhok.providers.models import Provider

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cells(response) -> list[list[object]]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    wb = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


def _text(rows) -> str:
    return "\n".join(" | ".join("" if v is None else str(v) for v in row) for row in rows)


@pytest.fixture
def marked(world, contract, lesson):
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    return contract.charges.get()


def test_the_journal_export_has_marks_and_the_months_charges(client, world, contract, marked):
    client.force_login(world.teacher)
    url = reverse("attendance:journal_xlsx", args=[world.group.pk]) + "?month=2026-10"
    rows = _cells(client.get(url))
    header = next(row for row in rows if row and row[0] == "Ребёнок")
    child_row = next(row for row in rows if row and row[0] == world.child.initials_name)
    today_column = header.index("15.10")
    assert child_row[today_column] == "б"
    assert header.index("13.10") and child_row[header.index("13.10")] == "—"  # before contract
    assert child_row[header.index("Посещено занятий")] == 1
    assert child_row[header.index("Списано с сертификата")] * 100 == marked.certificate_amount
    assert child_row[header.index("Доплата родителя")] * 100 == marked.parent_amount
    assert child_row[1] == contract.number


def test_the_contracts_export_lists_the_providers_contracts_with_money(
    client, world, contract, marked
):
    client.force_login(world.admin)
    rows = _cells(client.get(reverse("attendance:contracts_xlsx")))
    header = rows[2]
    row = next(r for r in rows if r and r[0] == contract.number)
    assert row[header.index("Ребёнок")] == world.child.initials_name
    assert row[header.index("Полная стоимость")] * 100 == contract.total_cost
    assert row[header.index("За счёт сертификата")] * 100 == contract.certificate_part
    assert row[header.index("Списано с сертификата")] * 100 == marked.certificate_amount
    assert row[header.index("Посещено занятий")] == 1
    assert world.child.last_name + " Артём" not in _text(rows)  # initials only


def test_provider_y_sees_none_of_provider_xs_children_or_money(client, world, contract, marked):
    provider_y, admin_y, teacher_y = provider_make(world.municipality)
    group_y = group_make(program_make(provider_y, title="Шахматы"), teacher_y)
    other_parent = user_make("parent", world.municipality)
    other_child = child_make(other_parent)
    contract_y = contract_make(
        world, parent=other_parent, child=other_child, group=group_y, admin=admin_y
    )
    client.force_login(admin_y)
    text = _text(_cells(client.get(reverse("attendance:contracts_xlsx"))))
    assert contract_y.number in text
    assert contract.number not in text
    assert "Робототехника" not in text
    assert world.group.name not in text
    # X's journal, as a file, is not there for Y at all.
    url = reverse("attendance:journal_xlsx", args=[world.group.pk]) + "?month=2026-10"
    assert client.get(url).status_code == 404
    client.force_login(teacher_y)
    assert client.get(url).status_code == 404


def test_a_teacher_exports_only_the_contracts_of_their_own_groups(client, world, contract):
    from kruzhok.accounts.models import Role
    from kruzhok.providers.models import StaffRole
    from kruzhok.providers.services import provider_staff_add

    colleague = user_make(Role.PROVIDER)
    provider_staff_add(provider=world.provider, user=colleague, role=StaffRole.TEACHER)
    group_make(world.program, colleague)
    client.force_login(colleague)
    text = _text(_cells(client.get(reverse("attendance:contracts_xlsx"))))
    assert contract.number not in text


def test_parents_cannot_export(client, world, contract):
    client.force_login(world.parent)
    assert client.get(reverse("attendance:contracts_xlsx")).status_code == 403
    url = reverse("attendance:journal_xlsx", args=[world.group.pk])
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_the_journal_and_queue_pages_link_to_the_exports(client, world, contract):
    client.force_login(world.admin)
    page = client.get(reverse("attendance:journal", args=[world.group.pk])).content.decode()
    assert reverse("attendance:journal_xlsx", args=[world.group.pk]) in page
    assert reverse("attendance:contracts_xlsx") in page
    page = client.get(reverse("enrollment:provider_queue")).content.decode()
    assert reverse("attendance:contracts_xlsx") in page


def test_titles_and_names_that_look_like_formulas_stay_text(client, world, contract):
    title = '=HYPERLINK("http://example.com";"Роботы")'
    Program.objects.filter(pk=world.program.pk).update(title=title)
    Provider.objects.filter(pk=world.provider.pk).update(short_name="=1+2")
    journal = reverse("attendance:journal_xlsx", args=[world.group.pk]) + "?month=2026-10"
    for user, url, expected in (
        (world.admin, reverse("attendance:contracts_xlsx"), {title, "=1+2"}),
        (world.teacher, journal, {"=1+2, октябрь 2026"}),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        cells = [c for row in load_workbook(io.BytesIO(response.content)).active for c in row]
        assert [c.coordinate for c in cells if c.data_type == "f"] == []
        assert expected <= {c.value for c in cells}
