"""Every SQL block of docs/reports.md, run on the hand-counted scene, gives the figures the ORM
gives (PostgreSQL: the documented SQL is PostgreSQL's)."""

import datetime
import re
from pathlib import Path

import pytest
from django.db import connection

from kruzhok.certificates.financing_reads import financing_budget_figures
from kruzhok.certificates.selectors import certificate_money_by_month, certificate_money_now
from kruzhok.reports import selectors
from kruzhok.reports.tests.scene import ON, scene_make

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

DOC = Path(__file__).resolve().parents[4] / "docs" / "reports.md"


def documented() -> dict[str, str]:
    blocks = re.findall(r"```sql\n-- figure: (\w+)\n(.*?)```", DOC.read_text(), re.DOTALL)
    return dict(blocks)


def _run(sql: str, **params: object) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@pytest.fixture
def scene(world):
    return scene_make()


def test_every_figure_of_the_page_is_documented_once():
    assert set(documented()) == {
        "coverage_total",
        "population_total",
        "coverage_by_direction",
        "coverage_by_age",
        "coverage_by_municipality",
        "certificates",
        "money_by_month",
        "money_now",
        "providers",
        "programs",
        "budget",
        "budget_spent",
    }


@pytest.mark.parametrize("on", [ON, ON + datetime.timedelta(days=1)])
def test_the_documented_coverage_queries_match_the_orm(scene, on):
    sql = documented()
    ids = [scene.world.municipality.pk, scene.other.municipality.pk]
    p = {"on": on, "municipality_ids": ids}

    total = selectors.coverage_total(municipality_ids=ids, on=on)
    assert _run(sql["coverage_total"], **p) == [(total.covered,)]
    assert _run(sql["population_total"], municipality_ids=ids) == [(total.population,)]
    directions = selectors.coverage_by_direction(municipality_ids=ids, on=on)
    assert dict(_run(sql["coverage_by_direction"], **p)) == {
        r.key: r.covered for r in directions if r.covered
    }
    ages = selectors.coverage_by_age(municipality_ids=ids, on=on)
    assert dict(_run(sql["coverage_by_age"], **p)) == {
        int(r.key): r.covered for r in ages if r.covered
    }
    municipalities = selectors.coverage_by_municipality(municipality_ids=ids, on=on)
    assert dict(_run(sql["coverage_by_municipality"], **p)) == {
        int(r.key): r.covered for r in municipalities if r.covered
    }


def test_the_documented_certificate_money_provider_and_program_queries_match_the_orm(scene):
    sql = documented()
    ids = [scene.world.municipality.pk]
    p = {"on": ON, "municipality_ids": ids}

    use = selectors.certificate_use(municipality_ids=ids, on=ON)
    assert _run(sql["certificates"], **p) == [(use.issued, use.funded, use.accounting, use.in_use)]
    months = certificate_money_by_month(municipality_ids=ids)
    assert _run(sql["money_by_month"], municipality_ids=ids) == [
        (m.month, m.credited, m.spent, m.expired, m.reserved, m.remaining) for m in months
    ]
    now = certificate_money_now(municipality_ids=ids)
    assert _run(sql["money_now"], municipality_ids=ids) == [
        (now.credited, now.balance, now.reserved)
    ]
    assert (now.balance, now.reserved) == (months[-1].remaining, months[-1].reserved)
    providers = selectors.provider_table(municipality_ids=ids, on=ON)
    assert _run(sql["providers"], **p) == [
        tuple(row[k] for k in list(row)[1:]) for row in providers
    ]
    programs = selectors.program_table(municipality_ids=ids)
    assert [
        (t, n, s, taken, pytest.approx(d), pytest.approx(f))
        for t, n, s, taken, d, f in _run(sql["programs"], **p)
    ] == [
        (r["title"], r["applications"], r["seats"], r["seats_taken"], r["demand"], r["fill"])
        for r in programs
    ]


def test_the_documented_budget_queries_match_the_orm(scene):
    sql = documented()
    program = scene.world.financing

    figures = financing_budget_figures(financing_program=program)
    assert _run(sql["budget"], program=program.pk) == [
        (figures.cap, figures.committed, figures.left, figures.quota_left)
    ]
    assert _run(sql["budget_spent"], program=program.pk) == [(figures.spent,)]
    assert figures.spent == 300_00
