"""Population figures: ranges, the municipality's total kept their sum, the XLSX reader's caps."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from kruzhok.common.models import AuditEvent, Municipality, PopulationFigure
from kruzhok.common.population import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_ROWS,
    population_get,
    population_set,
    population_xlsx_read,
)

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 1, 1)


@pytest.fixture
def municipality():
    return Municipality.objects.create(name="Нефтекумский городской округ", children_population=9)


def test_figures_replace_the_ages_given_and_keep_the_total(municipality):
    population_set(municipality=municipality, figures={5: 100, 6: 90}, as_of=AS_OF, actor=None)
    population_set(municipality=municipality, figures={6: 95, 18: 40}, as_of=AS_OF, actor=None)

    assert population_get(municipality=municipality) == {5: 100, 6: 95, 18: 40}
    municipality.refresh_from_db()
    assert municipality.children_population == 235
    assert AuditEvent.objects.filter(action="population_set").count() == 2


@pytest.mark.parametrize(
    ("figures", "message"),
    [
        ({4: 10}, "от 5 до 18"),
        ({19: 10}, "от 5 до 18"),
        ({5: -1}, "от 0"),
        ({}, "хотя бы для одного"),
    ],
)
def test_out_of_range_figures_are_refused_and_nothing_is_saved(municipality, figures, message):
    with pytest.raises(ValidationError) as refused:
        population_set(municipality=municipality, figures=figures, as_of=AS_OF, actor=None)

    assert message in " ".join(refused.value.messages)
    assert not PopulationFigure.objects.exists()
    municipality.refresh_from_db()
    assert municipality.children_population == 9


def _xlsx(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_the_reader_takes_a_header_blank_rows_and_numbers_as_text():
    data = _xlsx([("Возраст", "Детей"), (5, 10), (None, None), ("6", "12"), (7.0, 3)])

    assert population_xlsx_read(data=data) == {5: 10, 6: 12, 7: 3}


def test_the_reader_names_every_bad_row():
    data = _xlsx([(5, 10), (4, 3), (6, "много"), (5, 1), (True, 2)])

    with pytest.raises(ValidationError) as refused:
        population_xlsx_read(data=data)

    assert refused.value.messages == [
        "Строка 2: в столбце A — возраст от 5 до 18 лет.",
        "Строка 3: в столбце B — число детей, целое, не меньше 0.",
        "Строка 4: возраст 5 уже указан выше.",
        "Строка 5: в столбце A — возраст от 5 до 18 лет.",
    ]


def test_the_row_cap_counts_blank_rows():
    within = _xlsx([(5, 1)] + [(None, None)] * (MAX_IMPORT_ROWS - 2) + [(6, 1)])
    past = _xlsx([(5, 1)] + [(None, None)] * (MAX_IMPORT_ROWS - 1) + [(6, 1)])

    assert population_xlsx_read(data=within) == {5: 1, 6: 1}
    with pytest.raises(ValidationError, match="пустые тоже считаются"):
        population_xlsx_read(data=past)


def test_the_size_cap_and_a_file_that_is_not_xlsx():
    with pytest.raises(ValidationError, match="Файл больше"):
        population_xlsx_read(data=b"0" * (MAX_IMPORT_BYTES + 1))
    with pytest.raises(ValidationError, match="Это не файл XLSX"):
        population_xlsx_read(data=b"PK\x03\x04 not really")
