"""Population figures: children per age living in a municipality, typed in or imported from
XLSX, the denominator of coverage (`PopulationFigure`)."""

import datetime
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from openpyxl import load_workbook

from kruzhok.common.field_errors import Errors, error_add
from kruzhok.common.models import Municipality, PopulationFigure
from kruzhok.common.services import audit_record

AGES = range(5, 19)
CHILDREN_MAX = 10_000_000  # more children of one age than any Russian region has
MAX_IMPORT_BYTES = 1024 * 1024
# Every row counts, blank ones too: a sheet of a million empty rows is refused as fast as a
# full one (openpyxl's read-only mode streams rows, so the cap also bounds the time).
MAX_IMPORT_ROWS = 200


def population_get(*, municipality: Municipality) -> dict[int, int]:
    """The figures by age (only the ages entered)."""
    return dict(
        PopulationFigure.objects.filter(municipality=municipality).values_list("age", "children")
    )


@transaction.atomic
def population_set(
    *,
    municipality: Municipality,
    figures: dict[int, int],
    as_of: datetime.date,
    actor: Any,
) -> list[PopulationFigure]:
    """Replace the municipality's figures for the ages given (5–18, each 0..10 million), and
    keep `Municipality.children_population` their sum. Raises `ValidationError` in Russian,
    keyed `age_<n>`, and saves nothing, on an age or a number out of range."""
    errors: Errors = {}
    for age, children in figures.items():
        if age not in AGES:
            error_add(errors, "__all__", f"Возраст {age}: укажите возраст от 5 до 18 лет.")
        elif not 0 <= children <= CHILDREN_MAX:
            error_add(
                errors,
                f"age_{age}",
                f"Число детей — целое, от 0 до {CHILDREN_MAX:,}.".replace(",", "\u00a0"),
            )
    if not figures:
        error_add(errors, "__all__", "Укажите число детей хотя бы для одного возраста.")
    if errors:
        raise ValidationError(errors)
    PopulationFigure.objects.bulk_create(
        [
            PopulationFigure(
                municipality=municipality,
                age=age,
                children=children,
                as_of=as_of,
                updated_by=actor if getattr(actor, "pk", None) else None,
            )
            for age, children in sorted(figures.items())
        ],
        update_conflicts=True,
        unique_fields=["municipality", "age"],
        update_fields=["children", "as_of", "updated_by", "updated_at"],
    )
    total = PopulationFigure.objects.filter(municipality=municipality).aggregate(t=Sum("children"))
    Municipality.objects.filter(pk=municipality.pk).update(children_population=total["t"] or 0)
    audit_record(
        actor=actor,
        action="population_set",
        obj=municipality,
        as_of=as_of,
        figures=", ".join(f"{age}: {n}" for age, n in sorted(figures.items())),
    )
    return list(PopulationFigure.objects.filter(municipality=municipality))


def population_xlsx_read(*, data: bytes) -> dict[int, int]:
    """Ages and counts from the first sheet of an XLSX file: column A the age (5–18), column B
    the number of children; a header row and blank rows are skipped (and counted against the
    row cap). Raises `ValidationError` with every problem found, in Russian."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(
            f"Файл больше {MAX_IMPORT_BYTES // 1024} КБ: оставьте в нём только таблицу."
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not XLSX
        raise ValidationError(
            "Это не файл XLSX: сохраните таблицу в формате Excel (.xlsx)."
        ) from exc
    messages: list[str] = []
    figures: dict[int, int] = {}
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(max_col=2, values_only=True), start=1):
            if number > MAX_IMPORT_ROWS:
                messages.append(
                    f"В листе больше {MAX_IMPORT_ROWS} строк (пустые тоже считаются): "
                    "оставьте только возрасты 5–18."
                )
                break
            age, children = ((*tuple(row), None, None))[:2]
            if age is None and children is None:
                continue
            if number == 1 and not _is_whole(age):
                continue  # the header
            if not _is_whole(age) or int(age) not in AGES:
                messages.append(f"Строка {number}: в столбце A — возраст от 5 до 18 лет.")
                continue
            if not _is_whole(children) or not 0 <= int(children) <= CHILDREN_MAX:
                messages.append(f"Строка {number}: в столбце B — число детей, целое, не меньше 0.")
                continue
            if int(age) in figures:
                messages.append(f"Строка {number}: возраст {int(age)} уже указан выше.")
                continue
            figures[int(age)] = int(children)
    finally:
        workbook.close()
    if not figures and not messages:
        messages.append("В файле нет ни одной строки с возрастом и числом детей.")
    if messages:
        raise ValidationError(messages)
    return figures


def _is_whole(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 9
