"""The operator's home, registers and audit log: what each shows, and to whom."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kruzhok.accounts.models import Role
from kruzhok.billing.tests.payment_scene import closed_october
from kruzhok.catalog import moderation
from kruzhok.catalog.models import ProgramState
from kruzhok.common.money import format_kopecks
from kruzhok.common.validators import format_snils
from kruzhok.enrollment import services as enrollment_services
from kruzhok.enrollment.tests.world import (
    TODAY,
    child_make,
    contract_made,
    program_make,
    user_make,
    world_make,
)
from kruzhok.providers import joining
from kruzhok.providers.tests.data import join_arguments

pytestmark = pytest.mark.django_db

REGISTERS = ["certificates", "children", "contracts", "providers", "programs"]


def rub(kopecks: int) -> str:
    """Money as `text` shows it (non-breaking spaces as spaces)."""
    return format_kopecks(kopecks).replace("\xa0", " ")


def text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\xa0", " ")


@pytest.fixture
def scene(world):
    """Two municipalities: the world's (a contract concluded, so a funded certificate) and
    another with its own provider, program, child and operator."""
    contract = contract_made(world)
    other = world_make()
    other_contract = contract_made(other)
    for w, name in ((world, "Нефтекумский городской округ"), (other, "Левокумский округ")):
        w.municipality.name = name
        w.municipality.save(update_fields=["name"])
    return {
        "world": world,
        "contract": contract,
        "other": other,
        "other_contract": other_contract,
        "operator": user_make(Role.OPERATOR, world.municipality),
        "other_operator": user_make(Role.OPERATOR, other.municipality),
        "regional": user_make(Role.REGIONAL_ADMIN),
    }


def _urls():
    return [
        reverse("oversight:home"),
        reverse("oversight:applications_overdue"),
        reverse("oversight:audit"),
        *(reverse("oversight:register", args=[slug]) for slug in REGISTERS),
        *(reverse("oversight:register_export", args=[slug]) for slug in REGISTERS),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, scene):
    for url in _urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("who", ["parent", "admin", "teacher"])
def test_parents_and_providers_are_refused(client, scene, who):
    client.force_login(getattr(scene["world"], who))
    for url in _urls():
        assert client.get(url).status_code == 403, url
    snils = {"snils": scene["world"].child.snils}
    for slug in ("children", "certificates"):
        url = reverse("oversight:register", args=[slug])
        assert client.post(url, snils).status_code == 403


def test_every_page_of_the_menu_opens_for_the_operator(client, scene):
    from kruzhok.oversight.menu import FINANCING_PATH, REPORTS_PATH, operator_menu

    client.force_login(scene["operator"])
    home = client.get(reverse("oversight:home")).content.decode()
    for section in operator_menu():
        for item in section.items:
            assert f'href="{item.url}"' in home, item.title
            if item.url in (FINANCING_PATH, REPORTS_PATH):
                continue  # the reports app's pages, merged separately
            assert client.get(item.url).status_code == 200, item.url


@pytest.mark.parametrize("slug", REGISTERS)
def test_a_register_shows_the_operators_municipality_only(client, scene, slug):
    world, other = scene["world"], scene["other"]
    marks = {
        "certificates": lambda w, c: c.certificate.number_display,
        "children": lambda w, c: w.child.snils_masked,
        "contracts": lambda w, c: c.number,
        "providers": lambda w, c: w.provider.full_name,
        "programs": lambda w, c: w.provider.short_name,
    }[slug]
    mine = marks(world, scene["contract"])
    theirs = marks(other, scene["other_contract"])
    url = reverse("oversight:register", args=[slug])

    client.force_login(scene["operator"])
    page = text(client.get(url))
    assert mine in page and theirs not in page

    client.force_login(scene["other_operator"])
    page = text(client.get(url))
    assert theirs in page and mine not in page

    client.force_login(scene["regional"])
    page = text(client.get(url))
    assert mine in page and theirs in page


@pytest.mark.parametrize("slug", REGISTERS)
def test_an_export_holds_the_operators_municipality_only(client, scene, slug):
    client.force_login(scene["other_operator"])
    response = client.get(reverse("oversight:register_export", args=[slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    cells = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert scene["world"].municipality.name not in cells
    assert scene["other"].municipality.name in cells or slug == "contracts"


def test_the_certificate_register_shows_money_in_rubles(client, scene):
    certificate = scene["contract"].certificate
    client.force_login(scene["operator"])
    page = text(client.get(reverse("oversight:register", args=["certificates"])))
    # The world's nominal 12 000 ₽, all of it still on the balance, the contract's part held.
    assert rub(12_000_00) in page
    assert rub(scene["contract"].certificate_part) in page
    assert rub(12_000_00 - scene["contract"].certificate_part) in page
    assert certificate.number_display in page


def test_the_contract_export_writes_rubles_dates_and_russian_headers(client, scene):
    contract = scene["contract"]
    client.force_login(scene["operator"])
    response = client.get(reverse("oversight:register_export", args=["contracts"]))
    ws = load_workbook(io.BytesIO(response.content)).active
    headers = [c.value for c in ws[3]]
    assert headers[:3] == ["Номер", "Заключён", "Ребёнок"]
    row = [c.value for c in ws[4]]
    assert row[0] == contract.number
    assert row[headers.index("Стоимость")] == Decimal(contract.total_cost) / 100
    assert ws.cell(row=4, column=headers.index("Стоимость") + 1).number_format.endswith('" ₽"')
    assert row[headers.index("Начало")].date() == contract.start_date


def test_user_text_in_an_export_is_never_a_formula(client, scene):
    program_make(scene["world"].provider, title='=HYPERLINK("http://x","Жми")')
    client.force_login(scene["operator"])
    response = client.get(reverse("oversight:register_export", args=["programs"]))
    ws = load_workbook(io.BytesIO(response.content)).active
    cell = next(c for row in ws.iter_rows(min_row=4) for c in row if str(c.value).startswith("="))
    assert cell.data_type == "s" and cell.quotePrefix


def test_filters_narrow_a_register(client, scene):
    world = scene["world"]
    draft = program_make(world.provider, title="Шахматы")
    draft.state = ProgramState.DRAFT
    draft.save(update_fields=["state"])
    client.force_login(scene["operator"])
    url = reverse("oversight:register", args=["programs"])
    page = text(client.get(url, {"state": ProgramState.DRAFT}))
    assert "Шахматы" in page and "Робототехника" not in page
    page = text(client.get(url, {"q": "шахм"}))
    assert "Шахматы" in page and "Робототехника" not in page


def test_a_wrong_filter_says_what_to_fix_and_shows_nothing(client, scene):
    client.force_login(scene["operator"])
    response = client.get(reverse("oversight:register", args=["programs"]), {"state": "nonsense"})
    page = text(response)
    assert "Исправьте фильтры" in page and "Робототехника" not in page


def test_a_child_is_found_by_snils_through_a_post(client, scene):
    child = scene["world"].child
    client.force_login(scene["operator"])
    url = reverse("oversight:register", args=["children"])
    response = client.post(url, {"snils": format_snils(child.snils)})
    assert response.status_code == 200
    page = text(response)
    assert "Найдено по СНИЛС: 1" in page and child.full_name in page
    # The search form posts: the number never reaches a URL.
    assert 'method="post"' in client.get(url).content.decode()


def test_another_municipalitys_child_is_not_found_by_snils(client, scene):
    client.force_login(scene["other_operator"])
    url = reverse("oversight:register", args=["certificates"])
    page = text(client.post(url, {"snils": scene["world"].child.snils}))
    assert "Найдено по СНИЛС: 0" in page
    assert scene["world"].child.full_name not in page


def test_a_mistyped_snils_is_refused_with_what_to_fix(client, scene):
    client.force_login(scene["operator"])
    url = reverse("oversight:register", args=["children"])
    response = client.post(url, {"snils": "112-233-445 96"})
    assert response.status_code == 400
    assert "Контрольное число СНИЛС не сходится" in text(response)


def test_snils_typed_into_the_get_search_is_refused(client, scene):
    child = scene["world"].child
    client.force_login(scene["operator"])
    response = client.get(reverse("oversight:register", args=["children"]), {"q": child.snils})
    page = text(response)
    assert "Найти по СНИЛС" in page and "адрес страницы" in page
    assert child.full_name not in page.split("Найти по СНИЛС")[-1]


def test_registers_without_snils_refuse_a_snils_post(client, scene):
    client.force_login(scene["operator"])
    url = reverse("oversight:register", args=["providers"])
    assert client.post(url, {"snils": scene["world"].child.snils}).status_code == 404


def test_an_unknown_register_is_not_found(client, scene):
    client.force_login(scene["operator"])
    assert client.get("/operator/registers/people/").status_code == 404


def test_the_home_shows_the_moderation_queue_and_overdue_applications(client, scene):
    world = scene["world"]
    staff = joining.provider_join(**join_arguments(world.municipality))
    program = program_make(staff.provider, title="Лего")
    program.state = ProgramState.DRAFT
    program.save(update_fields=["state"])
    moderation.program_submit(actor=staff.user, program=program)
    late = child_make(world.parent)
    application = enrollment_services.application_submit(
        parent=world.parent, child_id=late.pk, group_id=world.group.pk
    )
    application.decide_by = TODAY - datetime.timedelta(days=1)
    application.save(update_fields=["decide_by"])

    client.force_login(scene["operator"])
    today = client.get(reverse("oversight:home")).context["today"]
    assert (today.providers_to_moderate, today.programs_to_moderate) == (1, 1)
    assert today.applications_overdue == 1
    page = text(client.get(reverse("oversight:applications_overdue")))
    assert late.initials_name in page

    client.force_login(scene["other_operator"])
    today = client.get(reverse("oversight:home")).context["today"]
    assert (today.to_moderate, today.applications_overdue) == (0, 0)
    assert late.initials_name not in text(client.get(reverse("oversight:applications_overdue")))


def test_the_home_counts_months_invoices_budget_and_quota(client, time_machine):
    _world, operator, _invoices = closed_october(time_machine)
    client.force_login(operator)
    response = client.get(reverse("oversight:home"))
    today = response.context["today"]
    # 05.11.2026: October is closed with two issued invoices; September (the period began on
    # 01.09.2026) is still open; November is under way.
    assert [m.month for m in today.months_to_close] == [datetime.date(2026, 9, 1)]
    assert today.invoices_to_approve == 2
    # Two 5 000 ₽ certificates credited from a 1 000 000 ₽ budget with a quota of 100.
    (figures,) = today.financing
    assert figures.budget_left == 1_000_000_00 - 2 * 5_000_00
    assert figures.quota_left == 98
    page = text(response)
    assert rub(990_000_00) in page and "сентябрь" in page.lower()


def test_the_audit_log_shows_the_municipalitys_actions_in_russian(client, scene):
    client.force_login(scene["operator"])
    response = client.get(reverse("oversight:audit"))
    page = text(response)
    assert "Договор заключён" in page and "contract_accept" not in page
    events = response.context["page"].object_list
    assert events and all(e.actor is None or e.actor.pk != scene["other"].parent.pk for e in events)
    assert scene["other"].parent.full_name not in page


def test_the_audit_log_filters_by_action(client, scene):
    client.force_login(scene["regional"])
    response = client.get(reverse("oversight:audit"), {"action": "child_add"})
    events = list(response.context["page"].object_list)
    assert len(events) == 2 and {e.action for e in events} == {"child_add"}


def test_the_audit_log_refuses_a_reversed_period(client, scene):
    client.force_login(scene["operator"])
    response = client.get(
        reverse("oversight:audit"), {"day_from": "2026-10-15", "day_to": "2026-10-01"}
    )
    assert "Конец периода раньше начала" in text(response)


def test_a_regional_administrator_narrows_a_register_to_one_municipality(client, scene):
    world, other = scene["world"], scene["other"]
    url = reverse("oversight:register", args=["providers"])
    client.force_login(scene["regional"])
    page = text(client.get(url, {"municipality": other.municipality.pk}))
    assert other.provider.full_name in page and world.provider.full_name not in page
    # An operator has no such choice: another municipality asked for changes nothing.
    client.force_login(scene["operator"])
    page = text(client.get(url, {"municipality": other.municipality.pk}))
    assert world.provider.full_name in page and other.provider.full_name not in page


def test_each_audit_entry_shows_its_details_in_russian(client, scene):
    contract = scene["contract"]
    client.force_login(scene["operator"])

    page = text(client.get(reverse("oversight:audit"), {"action": "contract_accept"}))

    assert f"Полная стоимость: {rub(contract.total_cost)}" in page
    assert f"Оплачивается сертификатом: {rub(contract.certificate_part)}" in page
    assert "total_cost" not in page


def _audit_sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    return [[c.value for c in row] for row in ws.iter_rows(min_row=4)]


def test_the_audit_log_downloads_as_xlsx_with_its_filters_and_scope(client, scene):
    contract = scene["contract"]
    client.force_login(scene["operator"])

    rows = _audit_sheet(client.get(reverse("oversight:audit_export")))
    page = client.get(reverse("oversight:audit"))
    assert len(rows) == page.context["page"].paginator.count
    assert all(scene["other"].parent.full_name not in (r[1] or "") for r in rows)
    (accepted,) = _audit_sheet(
        client.get(reverse("oversight:audit_export"), {"action": "contract_accept"})
    )
    assert accepted[1] == scene["world"].parent.full_name
    assert accepted[3:6] == ["Договор заключён", "Договор", str(contract.pk)]
    assert (
        f"оплачивается сертификатом: {format_kopecks(contract.certificate_part)}" in (accepted[6])
    )
    assert isinstance(accepted[0], datetime.datetime)


def test_the_audit_export_writes_user_text_as_text(client, scene):
    world = scene["world"]
    world.parent.last_name = "=HYPERLINK(1)"
    world.parent.save(update_fields=["last_name"])
    client.force_login(scene["operator"])

    response = client.get(reverse("oversight:audit_export"), {"action": "contract_accept"})

    ws = load_workbook(io.BytesIO(response.content)).active
    cell = ws.cell(row=4, column=2)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_the_audit_export_refuses_wrong_filters_and_too_many_rows(client, scene, monkeypatch):
    client.force_login(scene["operator"])
    url = reverse("oversight:audit_export")

    response = client.get(url, {"day_from": "2026-10-15", "day_to": "2026-10-01"}, follow=True)
    assert "Выгрузка не сделана: исправьте фильтры." in text(response)
    monkeypatch.setattr("kruzhok.oversight.views.EXPORT_ROW_LIMIT", 1)
    response = client.get(url, follow=True)
    assert "в один файл выгружается не больше 1" in text(response)


def test_the_contracts_register_pages_the_same_rows_either_side_of_the_depth(
    client, scene, monkeypatch
):
    world = scene["world"]
    third = contract_made(world, child=child_make(world.parent))
    expected = sorted([scene["contract"].number, third.number], reverse=True)
    monkeypatch.setattr("kruzhok.oversight.views.PAGE_SIZE", 1)
    client.force_login(scene["operator"])
    url = reverse("oversight:register", args=["contracts"])

    for depth in (100, 1):  # the first pages walk the rows in order; deep ones count them
        monkeypatch.setattr("kruzhok.oversight.registers.CountedPages.PAGED_DEPTH", depth)
        numbers = []
        for page in (1, 2):
            response = client.get(url, {"page": page})
            assert response.context["page"].paginator.count == 2
            numbers += [row["cells"][0][0] for row in response.context["rows"]]
        assert numbers == expected, depth
