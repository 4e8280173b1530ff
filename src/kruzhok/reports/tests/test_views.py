"""The reports' pages, the financing editor and the population figures: who may see what,
what the pages show, the XLSX downloads, and refusals in Russian that save nothing."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from kruzhok.accounts.models import Role
from kruzhok.certificates.financing_reads import financing_budget_available
from kruzhok.certificates.models import FinancingProgram, FinancingProgramChange, NominalBand
from kruzhok.common.models import PopulationFigure
from kruzhok.common.population import MAX_IMPORT_ROWS
from kruzhok.enrollment.tests.world import user_make
from kruzhok.reports.tables import REPORTS
from kruzhok.reports.tests.scene import scene_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    return scene_make()


def _urls(scene):
    program = scene.world.financing
    return [
        reverse("reports:index"),
        reverse("reports:population"),
        reverse("reports:financing"),
        reverse("reports:financing_edit", args=[program.pk]),
        *(reverse("reports:report", args=[name]) for name in REPORTS),
        *(reverse("reports:report_xlsx", args=[name]) for name in REPORTS),
    ]


def test_every_page_is_closed_to_parents_and_providers(client, scene):
    for user in (scene.world.parent, scene.world.admin):
        client.force_login(user)
        for url in _urls(scene):
            assert client.get(url).status_code == 403, url


def test_every_page_sends_an_anonymous_visitor_to_log_in(client, scene):
    for url in _urls(scene):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_another_municipalitys_operator_gets_404_for_this_one(client, scene):
    client.force_login(scene.other_operator)
    mine = scene.world.municipality.pk
    for url in _urls(scene):
        if "financing/" in url and url.rstrip("/").split("/")[-1].isdigit():
            assert client.get(url).status_code == 404, url
        else:
            assert client.get(f"{url}?municipality={mine}").status_code == 404, url
    response = client.post(
        reverse("reports:financing_edit", args=[scene.world.financing.pk]), {"title": "Чужое"}
    )
    assert response.status_code == 404
    response = client.post(
        reverse("reports:population"), {"municipality": mine, "as_of": "2026-10-15", "age_5": 1}
    )
    assert response.status_code == 404
    assert PopulationFigure.objects.get(municipality_id=mine, age=5).children == 10


def test_an_operator_sees_only_their_municipality(client, scene):
    client.force_login(scene.operator)

    page = client.get(reverse("reports:report", args=["coverage-municipality"])).content.decode()

    assert scene.world.municipality.name in page
    assert scene.other.municipality.name not in page
    index = client.get(reverse("reports:index")).content.decode()
    assert 'id="coverage-total">2,9 %' in index  # 4 of 140
    assert "Занимаются 4 из 140 детей" in index
    assert re.search(r"Охват и сертификаты подсчитаны в \d\d:\d\d", index)


def test_a_regional_administrator_sees_the_whole_region_and_each_municipality(client, scene):
    client.force_login(scene.regional)

    page = client.get(reverse("reports:report", args=["coverage-municipality"])).content.decode()

    assert scene.world.municipality.name in page and scene.other.municipality.name in page
    index = client.get(reverse("reports:index")).content.decode()
    assert "Занимаются 5 из 190 детей" in index
    one = client.get(
        reverse("reports:index"), {"municipality": scene.other.municipality.pk}
    ).content.decode()
    assert "Занимаются 1 из 50 детей" in one


def test_each_report_shows_a_chart_and_its_table(client, scene):
    client.force_login(scene.operator)
    for name in REPORTS:
        page = client.get(reverse("reports:report", args=[name])).content.decode()
        assert '<svg viewBox="0 0' in page and 'role="img"' in page, name
        assert "<table" in page, name
        # Nothing from another host (a bare «cdn» could be part of a random CSRF token).
        assert not re.search(r'(src|href)="(https?:)?//', page), name


def test_a_report_date_that_cannot_be_read_falls_back_to_today(client, scene):
    client.force_login(scene.operator)

    page = client.get(reverse("reports:index"), {"on": "31.02.2026"}).content.decode()

    assert "Дату отчёта не удалось прочитать: отчёт на сегодня, 15.10.2026." in page


def test_the_coverage_by_direction_downloads_as_xlsx_with_the_pages_figures(client, scene):
    client.force_login(scene.operator)

    response = client.get(
        reverse("reports:report_xlsx", args=["coverage-direction"]), {"on": "2026-10-15"}
    )

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "coverage-direction-2026-10-15.xlsx" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = {r[0]: r[1:] for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    assert rows["Техническая"][:2] == (2, 140)
    assert rows["Всего (ребёнок учитывается один раз)"][:2] == (4, 140)
    assert rows["Всего (ребёнок учитывается один раз)"][2] == pytest.approx(2.86)


def test_every_table_downloads(client, scene):
    client.force_login(scene.regional)
    for name in REPORTS:
        response = client.get(reverse("reports:report_xlsx", args=[name]))
        assert response.status_code == 200, name
        assert load_workbook(io.BytesIO(response.content)).active.max_row >= 3, name


# The financing program editor -----------------------------------------------------------------


def _form(scene, **changes):
    data = {
        "title": "ПФДО 2026/2027",
        "period_start": "2026-09-01",
        "period_end": "2027-08-31",
        "band_0_min": "5",
        "band_0_max": "13",
        "band_0_nominal": "12 000",
        "band_1_min": "14",
        "band_1_max": "18",
        "band_1_nominal": "9 000,00",
        "max_funded_certificates": "100",
        "budget_cap": "1 000 000",
        "max_programs_per_child": "3",
        "billing_regime": "per_lesson",
        "advance_percent": "0",
        "certificate_reach": "region",
        "effective_from": "2026-10-15",
    }
    return data | changes


def test_the_editor_shows_the_budget_and_quota_beside_the_form(client, scene):
    client.force_login(scene.operator)

    page = client.get(reverse("reports:financing_edit", args=[scene.world.financing.pk]))

    text = page.content.decode()
    assert page.status_code == 200
    assert 'value="12\xa0000,00"' in text  # money typed in rubles
    assert "Свободно для зачисления" in text
    assert 'Сертификатов ПФ выдано</dt><dd class="col-5 text-end">4 из 100' in text


def test_the_operator_changes_the_nominal_and_the_history_shows_it(client, scene):
    client.force_login(scene.operator)
    url = reverse("reports:financing_edit", args=[scene.world.financing.pk])

    response = client.post(url, _form(scene, band_0_nominal="15 000,50"), follow=True)

    text = response.content.decode()
    assert "Сохранено изменений: 1." in text
    assert (
        "5–13 лет: 12\xa0000,00\xa0₽; 14–18 лет: 9\xa0000,00\xa0₽ → 5–13 лет: 15\xa0000,50" in text
    )
    assert NominalBand.objects.get(financing_program=scene.world.financing, age_min=5).nominal == (
        15_000_50
    )


def test_a_bad_amount_is_refused_in_russian_and_nothing_is_saved(client, scene):
    client.force_login(scene.operator)
    url = reverse("reports:financing_edit", args=[scene.world.financing.pk])

    response = client.post(url, _form(scene, budget_cap="1e9", band_1_nominal="-5"))

    text = response.content.decode()
    assert "Укажите сумму в рублях, например 30 000 или 30 000,50." in text
    assert not FinancingProgramChange.objects.exists()
    response = client.post(url, _form(scene, max_funded_certificates="2"))
    assert "уже профинансированных (4)" in response.content.decode()
    assert not FinancingProgramChange.objects.exists()


def test_the_operator_keeps_certificates_to_the_municipality_s_own_providers(client, scene):
    client.force_login(scene.operator)
    url = reverse("reports:financing_edit", args=[scene.world.financing.pk])
    page = client.get(url).content.decode()
    assert '<option value="region" selected>У любого поставщика региона</option>' in page

    response = client.post(
        url,
        _form(scene, certificate_reach="municipality", effective_from="2026-11-01"),
        follow=True,
    )

    text = response.content.decode()
    assert "Сохранено изменений: 1." in text
    assert "Вступят в силу 01.11.2026: где можно использовать сертификат." in text
    assert "У любого поставщика региона → Только у поставщиков своего муниципалитета" in text
    change = FinancingProgramChange.objects.get()
    assert (change.field, change.changed_by) == ("certificate_reach", scene.operator)


def test_a_reach_not_in_the_list_is_refused_in_russian(client, scene):
    client.force_login(scene.operator)
    url = reverse("reports:financing_edit", args=[scene.world.financing.pk])

    for value in ("everywhere", ""):
        response = client.post(url, _form(scene, certificate_reach=value))

        text = response.content.decode()
        assert response.status_code == 200
        assert ("Выберите из списка" if value else "Выберите, где можно") in text
    assert not FinancingProgramChange.objects.exists()


# Population ---------------------------------------------------------------------------------


def test_the_operator_types_the_population_in(client, scene):
    client.force_login(scene.operator)

    response = client.post(
        reverse("reports:population"),
        {"as_of": "2026-01-01", "age_5": "120", "age_6": "", "age_7": "-1"},
    )
    assert "Не меньше 0." in response.content.decode()
    assert PopulationFigure.objects.get(municipality=scene.world.municipality, age=5).children == 10

    client.post(reverse("reports:population"), {"as_of": "2026-01-01", "age_5": "120"})

    assert (
        PopulationFigure.objects.get(municipality=scene.world.municipality, age=5).children == 120
    )
    scene.world.municipality.refresh_from_db()
    assert scene.world.municipality.children_population == 140 - 10 + 120


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("population.xlsx", buffer.getvalue())


def test_the_population_imports_from_xlsx(client, scene):
    client.force_login(scene.operator)

    client.post(
        reverse("reports:population"),
        {
            "action": "import",
            "as_of": "2026-01-01",
            "file": _xlsx([("Возраст", "Детей"), (5, 300), (None, None), (18, 250)]),
        },
    )

    figures = dict(
        PopulationFigure.objects.filter(municipality=scene.world.municipality).values_list(
            "age", "children"
        )
    )
    assert (figures[5], figures[18], figures[6]) == (300, 250, 10)


def test_an_import_past_the_row_cap_counts_blank_rows_and_saves_nothing(client, scene):
    client.force_login(scene.operator)
    rows = [(5, 300)] + [(None, None)] * MAX_IMPORT_ROWS + [(6, 1)]

    response = client.post(
        reverse("reports:population"),
        {"action": "import", "as_of": "2026-01-01", "file": _xlsx(rows)},
    )

    assert "пустые тоже считаются" in response.content.decode()
    assert PopulationFigure.objects.get(municipality=scene.world.municipality, age=5).children == 10


def test_a_file_that_is_not_xlsx_is_refused(client, scene):
    client.force_login(scene.operator)

    response = client.post(
        reverse("reports:population"),
        {
            "action": "import",
            "as_of": "2026-01-01",
            "file": SimpleUploadedFile("population.xlsx", b"not a workbook"),
        },
    )

    assert "Это не файл XLSX" in response.content.decode()


def test_the_menu_reaches_the_reports_and_the_editor(client, scene):
    client.force_login(user_make(Role.OPERATOR, scene.world.municipality))

    page = client.get(reverse("reports:index")).content.decode()

    assert f'href="{reverse("reports:financing")}"' in page
    assert f'href="{reverse("reports:index")}"' in page


def test_the_operator_creates_next_period_and_changes_its_nominal_at_once(client, scene):
    client.force_login(scene.operator)

    page = client.get(reverse("reports:financing")).content.decode()
    assert "Создать программу на 01.09.2027–31.08.2028" in page
    response = client.post(reverse("reports:financing_next", args=[scene.world.financing.pk]))

    program = FinancingProgram.objects.get(
        municipality=scene.world.municipality, period_start="2027-09-01"
    )
    assert response["Location"] == reverse("reports:financing_edit", args=[program.pk])
    assert financing_budget_available(financing_program=program) == 1_000_000_00
    client.post(
        response["Location"],
        _form(
            scene,
            title="ПФДО 2027/2028",
            period_start="2027-09-01",
            period_end="2028-08-31",
            band_0_nominal="20 000",
            effective_from="2026-10-15",
        ),
    )
    assert NominalBand.objects.get(financing_program=program, age_min=5).nominal == 20_000_00
    assert NominalBand.objects.get(financing_program=scene.world.financing, age_min=5).nominal == (
        12_000_00
    )
    again = client.post(
        reverse("reports:financing_next", args=[scene.world.financing.pk]), follow=True
    )
    assert "уже есть" in again.content.decode()
    assert FinancingProgram.objects.filter(municipality=scene.world.municipality).count() == 2


def test_another_municipalitys_operator_cannot_create_its_next_period(client, scene):
    client.force_login(scene.other_operator)

    response = client.post(reverse("reports:financing_next", args=[scene.world.financing.pk]))

    assert response.status_code == 404
    assert FinancingProgram.objects.filter(municipality=scene.world.municipality).count() == 1
