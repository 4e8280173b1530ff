"""Search at a region's scale: the catalogue's Russian search finds the same programs on SQLite
and on PostgreSQL (`make test` runs this file on both: each run must agree with the same
plain-Python reading of the search documents), and on PostgreSQL the trigram index answers it.
"""

import random

import pytest
from django.db import connection, transaction

from kruzhok.catalog import selectors
from kruzhok.catalog.models import Direction, Program, ProgramState
from kruzhok.catalog.tests.factories import ProgramFactory
from kruzhok.common.search import search_document, search_terms
from kruzhok.providers.tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

SUBJECTS = [
    "Робототехника",
    "Программирование на Python",
    "Рисование акварелью",
    "Юный художник",
    "Шахматы",
    "Шахматная школа",
    "Хореография",
    "Современные танцы",
    "Английский язык",
    "Плавание",
    "Футбол",
    "Театральная студия",
    "Занимательная химия",
    "Краеведение родного края",
    "Лепка из глины",
    "3D-моделирование",
]
QUALIFIERS = [
    "для начинающих",
    "для продолжающих",
    "олимпиадная подготовка",
    "в малых группах",
    "выходного дня",
    "летняя школа",
    "",
]
QUERIES = [
    "робот",
    "робототехника",
    "рисование",
    "рисованию",
    "шахматы",
    "шахмат",
    "танцы",
    "танцевать",
    "английский",
    "для начинающих",
    "школа",
    "химия занимательная",
    "3d",
    "python",
    "Ёлка",
    "края",
    "глина лепка",
    "несуществующее слово",
    "а",
]
SCALE = 600


@pytest.fixture
def catalogue() -> list[Program]:
    rng = random.Random(15)
    providers = [ProviderFactory.create(short_name=f"Центр № {n}") for n in range(6)]
    rows = []
    for n in range(SCALE):
        title = f"{rng.choice(SUBJECTS)} {rng.choice(QUALIFIERS)}".strip()
        description = f"{rng.choice(SUBJECTS)}: {rng.choice(QUALIFIERS) or 'занятия'}."
        provider = providers[n % len(providers)]
        direction = rng.choice(Direction.values)
        rows.append(
            ProgramFactory.build(
                provider=provider,
                title=title,
                description=description,
                direction=direction,
                state=ProgramState.PUBLISHED,
                search_document=search_document(
                    title, description, provider.short_name, str(Direction(direction).label)
                ),
                title_document=search_document(title),
            )
        )
    return Program.objects.bulk_create(rows)


def expected_ids(programs: list[Program], query: str) -> set[int]:
    """The search's meaning read in Python: every stem of the query starts a word."""
    terms = search_terms(query)
    return {p.pk for p in programs if all(f" {term}" in p.search_document for term in terms)}


@pytest.mark.parametrize("query", QUERIES)
def test_the_search_finds_what_its_documents_say_on_either_database(catalogue, query):
    found = set(selectors.program_search(q=query).values_list("pk", flat=True))

    assert found == expected_ids(catalogue, query)


def test_the_scale_catalogue_is_searched_for_real(catalogue):
    # The parity above is not the trivial one: queries find some programs and not others.
    sizes = {query: len(expected_ids(catalogue, query)) for query in QUERIES}
    assert 0 < sizes["робот"] < SCALE
    assert 0 < sizes["рисованию"] < SCALE
    assert sizes["несуществующее слово"] == 0
    assert sizes["а"] == SCALE  # too short to search: no condition at all


@pytest.mark.postgres
def test_on_postgresql_the_search_condition_can_use_the_trigram_index(catalogue):
    # The condition program_search puts on each stem (see common.search), on its own: the
    # planner picks the index by cost (on a catalogue of thousands, with the SSD costs of the
    # README's recipe); here reading the whole table is ruled out, so the index must serve.
    (term,) = search_terms("робототехника")
    matching = Program.objects.filter(search_document__contains=f" {term}").values("pk")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = matching.explain()

    assert "program_search_document_trgm" in plan
    assert set(selectors.program_search(q="робототехника").values_list("pk", flat=True)) == {
        row["pk"] for row in matching
    }
