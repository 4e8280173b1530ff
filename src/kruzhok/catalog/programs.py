"""Program writes: a program and its description, checked as the provider types it, and its
search documents kept in step with the text (moderation moves its state: `catalog.moderation`).

Every function validates what a user could get wrong and raises django's ValidationError keyed by
field, in Russian, so that forms, the XLSX import and the API can show the message next to the
field.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from kruzhok.catalog.models import (
    Direction,
    Program,
    ProgramLevel,
    ProgramState,
    ProgramType,
    StudyForm,
)
from kruzhok.common.field_errors import Errors, error_add, full_clean_or_raise
from kruzhok.common.money import format_kopecks
from kruzhok.common.search import search_document
from kruzhok.providers.models import Provider

AGE_MIN = 5
AGE_MAX = 18
# Stated ranges of what a provider types (STYLE «At the edges»): a contract's cost is price ×
# hours × weeks, and it must stay far inside 64-bit kopecks and the region's budgets.
DURATION_MONTHS_MAX = 120
HOURS_PER_WEEK_MAX = 40
PRICE_PER_HOUR_MAX = 100_000_00  # kopecks: 100 000 ₽ an academic hour

# Fields program_update may change; state and provider have their own transitions.
PROGRAM_EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "direction",
        "age_min",
        "age_max",
        "duration_months",
        "hours_per_week",
        "price_per_hour",
        "financing_source",
        "address",
        "study_form",
        "program_type",
        "level",
        "accessible_ovz",
    }
)


def provider_search_refresh(*, provider: Provider) -> int:
    """Rebuild the search documents of the provider's programs (its name is part of them).

    Called when the provider is renamed (connected to providers.services.provider_renamed in
    CatalogConfig.ready).
    """
    programs = list(provider.programs.all())
    now = timezone.now()
    for program in programs:
        program.provider = provider
        _fill_search(program)
        # The provider's name is on the program's cached catalogue card: a new version.
        program.updated_at = now
    Program.objects.bulk_update(programs, ["search_document", "title_document", "updated_at"])
    return len(programs)


def _fill_search(program: Program) -> None:
    label = Direction(program.direction).label if program.direction in Direction.values else ""
    program.search_document = search_document(
        program.title, program.description, program.provider.short_name, str(label)
    )
    program.title_document = search_document(program.title)


def _program_errors(program: Program) -> Errors:
    errors: Errors = {}
    if not program.title.strip():
        error_add(errors, "title", "Укажите название программы.")
    if not program.description.strip():
        error_add(errors, "description", "Опишите программу: чему научится ребёнок.")
    if not program.address.strip() and program.study_form != StudyForm.DISTANCE:
        error_add(errors, "address", "Укажите адрес, где проходят занятия.")
    for field in ("age_min", "age_max"):
        age = getattr(program, field)
        if not isinstance(age, int) or not AGE_MIN <= age <= AGE_MAX:
            error_add(errors, field, f"Возраст — целое число лет от {AGE_MIN} до {AGE_MAX}.")
    if "age_min" not in errors and "age_max" not in errors and program.age_min > program.age_max:
        error_add(errors, "age_max", "Возраст «до» не может быть меньше возраста «от».")
    if not isinstance(program.duration_months, int) or program.duration_months < 1:
        error_add(errors, "duration_months", "Продолжительность — не меньше одного месяца.")
    elif program.duration_months > DURATION_MONTHS_MAX:
        error_add(
            errors,
            "duration_months",
            f"Продолжительность — не больше {DURATION_MONTHS_MAX} месяцев.",
        )
    if not isinstance(program.hours_per_week, int) or program.hours_per_week < 1:
        error_add(errors, "hours_per_week", "Укажите хотя бы один академический час в неделю.")
    elif program.hours_per_week > HOURS_PER_WEEK_MAX:
        error_add(
            errors,
            "hours_per_week",
            f"Не больше {HOURS_PER_WEEK_MAX} академических часов в неделю.",
        )
    price = program.price_per_hour
    if isinstance(price, bool) or not isinstance(price, int):
        error_add(errors, "price_per_hour", "Стоимость часа указывается в копейках, целым числом.")
    elif price < 0:
        error_add(errors, "price_per_hour", "Стоимость часа не может быть отрицательной.")
    elif price > PRICE_PER_HOUR_MAX:
        error_add(
            errors,
            "price_per_hour",
            f"Стоимость часа — не больше {format_kopecks(PRICE_PER_HOUR_MAX)}.",
        )
    return errors


def _program_save(program: Program, *, update_fields: Iterable[str] | None = None) -> None:
    program.title = program.title.strip()
    program.address = program.address.strip()
    full_clean_or_raise(program, _program_errors(program))
    _fill_search(program)
    if update_fields is None:
        program.save()
    else:
        fields = {*update_fields, "search_document", "title_document", "updated_at"}
        program.save(update_fields=sorted(fields))


@transaction.atomic
def program_create(
    *,
    provider: Provider,
    title: str,
    description: str,
    direction: str,
    age_min: int,
    age_max: int,
    duration_months: int,
    hours_per_week: int,
    price_per_hour: int,
    financing_source: str,
    address: str,
    study_form: str = StudyForm.FULL_TIME,
    program_type: str = ProgramType.GENERAL,
    level: str = ProgramLevel.INITIAL,
    accessible_ovz: bool = False,
    state: str = ProgramState.DRAFT,
) -> Program:
    """A new program of the provider, a draft unless told otherwise.

    Guarantees: ages are whole years within 5..18 and from <= to; duration and weekly hours are
    positive; the price per academic hour is whole non-negative kopecks; every choice is one of
    the stable codes; the search documents match the text.
    """
    program = Program(
        provider=provider,
        title=title,
        description=description,
        direction=direction,
        age_min=age_min,
        age_max=age_max,
        duration_months=duration_months,
        hours_per_week=hours_per_week,
        price_per_hour=price_per_hour,
        financing_source=financing_source,
        address=address,
        study_form=study_form,
        program_type=program_type,
        level=level,
        accessible_ovz=accessible_ovz,
        state=state,
    )
    _program_save(program)
    return program


@transaction.atomic
def program_update(*, program: Program, **fields: Any) -> Program:
    """Change the program's description fields with the same checks as program_create.

    The search documents follow the text. A new price applies to contracts concluded from now
    on: concluded contracts keep the price they were signed at. State and provider are not
    changed here (TypeError): they have their own transitions.
    """
    unknown = set(fields) - PROGRAM_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"program_update cannot change {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(program, name, value)
    _program_save(program, update_fields=fields)
    return program


def program_search_refresh(*, program: Program) -> None:
    """Rebuild the program's search documents (after an edit that bypassed program_update)."""
    _fill_search(program)
    program.save(update_fields=["search_document", "title_document", "updated_at"])


def program_publish(*, program: Program) -> Program:
    """Publish the program without moderation: for loading trusted data (demo, imports).

    People publish through moderation.program_submit and program_approve, which keep history.
    """
    program.state = ProgramState.PUBLISHED
    program.save(update_fields=["state", "updated_at"])
    return program
