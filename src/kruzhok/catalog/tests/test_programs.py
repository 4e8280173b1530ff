import pytest
from django.core.exceptions import ValidationError

from kruzhok.catalog import programs
from kruzhok.catalog.models import Direction, FinancingSource, ProgramState
from kruzhok.catalog.tests.factories import ProgramFactory
from kruzhok.providers import services as provider_services
from kruzhok.providers.tests.data import SBER_ACCOUNT, SBER_BIK, SBER_CORR
from kruzhok.providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def program_kwargs(provider, **overrides):
    values = {
        "provider": provider,
        "title": "Робототехника",
        "description": "Собираем и программируем роботов.",
        "direction": Direction.TECHNICAL,
        "age_min": 8,
        "age_max": 14,
        "duration_months": 9,
        "hours_per_week": 4,
        "price_per_hour": 15_000,
        "financing_source": FinancingSource.CERTIFICATE,
        "address": "г. Нефтекумск, ул. Ленина, 1",
    }
    values.update(overrides)
    return values


def test_a_program_is_created_as_a_draft_with_its_search_document():
    provider = ProviderFactory.create(short_name="Станция юных техников")

    program = programs.program_create(**program_kwargs(provider))

    assert program.state == ProgramState.DRAFT
    assert " робототехник " in program.search_document
    assert " станц " in program.search_document  # the provider's name
    assert " техническ " in program.search_document  # the direction
    assert program.title_document == " робототехник "


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"age_min": 4}, "age_min"),
        ({"age_max": 19}, "age_max"),
        ({"age_min": 12, "age_max": 10}, "age_max"),
        ({"price_per_hour": -1}, "price_per_hour"),
        ({"price_per_hour": 150.5}, "price_per_hour"),
        ({"duration_months": 0}, "duration_months"),
        ({"hours_per_week": 0}, "hours_per_week"),
        # The stated ranges (issue 12): what the form refuses, the import and the API may not
        # slip past.
        ({"duration_months": 121}, "duration_months"),
        ({"hours_per_week": 41}, "hours_per_week"),
        ({"price_per_hour": 100_000_01}, "price_per_hour"),
        ({"price_per_hour": 10**30}, "price_per_hour"),
        ({"title": "  "}, "title"),
        ({"direction": "cooking"}, "direction"),
        ({"financing_source": "cash"}, "financing_source"),
    ],
)
def test_a_program_with_a_wrong_value_is_refused_next_to_its_field(overrides, field):
    provider = ProviderFactory.create()

    with pytest.raises(ValidationError) as exc_info:
        programs.program_create(**program_kwargs(provider, **overrides))

    assert field in exc_info.value.message_dict


def test_the_age_boundaries_5_and_18_are_allowed():
    program = programs.program_create(
        **program_kwargs(ProviderFactory.create(), age_min=5, age_max=18)
    )

    assert (program.age_min, program.age_max) == (5, 18)


def test_a_free_program_may_cost_zero():
    program = programs.program_create(
        **program_kwargs(
            ProviderFactory.create(), price_per_hour=0, financing_source=FinancingSource.BUDGET
        )
    )

    assert program.price_per_hour == 0


def test_updating_a_program_keeps_its_search_document_in_step():
    program = ProgramFactory.create(title="Робототехника", description="Роботы.")

    programs.program_update(program=program, title="Шахматы", description="Дебюты и эндшпиль.")

    program.refresh_from_db()
    assert " шахмат " in program.search_document
    assert " дебют " in program.search_document
    assert " робототехник " not in program.search_document
    assert program.title_document == " шахмат "


def test_an_update_is_checked_like_a_creation_and_saves_nothing_when_refused():
    program = ProgramFactory.create(age_min=7, age_max=14)

    with pytest.raises(ValidationError):
        programs.program_update(program=program, age_min=16)

    program.refresh_from_db()
    assert program.age_min == 7


def test_an_update_cannot_change_the_state_or_the_provider():
    program = ProgramFactory.create(state=ProgramState.DRAFT)

    with pytest.raises(TypeError):
        programs.program_update(program=program, state=ProgramState.PUBLISHED)


def test_publishing_a_program_makes_it_published():
    program = ProgramFactory.create(state=ProgramState.DRAFT)

    programs.program_publish(program=program)

    program.refresh_from_db()
    assert program.state == ProgramState.PUBLISHED


def test_renaming_a_provider_reaches_the_search_documents_of_its_programs():
    program = ProgramFactory.create()
    provider = program.provider
    provider.short_name = "Кванториум"
    provider.save()

    assert programs.provider_search_refresh(provider=provider) == 1

    program.refresh_from_db()
    assert " кванториум " in program.search_document


def test_a_provider_renamed_in_its_profile_is_found_by_the_new_name(world):
    provider_services.provider_profile_update(
        actor=world.admin,
        provider=world.provider,
        short_name="Кванториум",
        bank_name="ПАО Сбербанк",
        bik=SBER_BIK,
        settlement_account=SBER_ACCOUNT,
        correspondent_account=SBER_CORR,
        email="info@kvantorium.ru",
        phone="+7 865 582-00-00",
    )

    world.program.refresh_from_db()
    assert " кванториум " in world.program.search_document
