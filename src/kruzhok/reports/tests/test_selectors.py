"""Report figures against the hand-counted scene (reports/tests/scene.py)."""

import datetime

import pytest
from django.db.models import Sum

from kruzhok.attendance.services import attendance_mark
from kruzhok.catalog.models import Lesson
from kruzhok.certificates.models import Hold
from kruzhok.certificates.selectors import certificate_money_by_month, certificate_money_now
from kruzhok.enrollment.models import Contract
from kruzhok.enrollment.tests.world import NOW
from kruzhok.families.models import Child
from kruzhok.reports import selectors
from kruzhok.reports.tables import money_since
from kruzhok.reports.tests.scene import ON, scene_make

pytestmark = pytest.mark.django_db

NEXT_DAY = ON + datetime.timedelta(days=1)


@pytest.fixture
def scene(world):
    return scene_make()


def _ids(scene):
    return [scene.world.municipality.pk]


def test_a_child_in_three_clubs_counts_once_and_ages_5_and_18_count(scene):
    total = selectors.coverage_total(municipality_ids=_ids(scene), on=ON)

    # Артём (three clubs, once), Вера (5 today), Глеб (18 today), Денис (18, 19 tomorrow);
    # not Егор (withdrawn from today), not Фаина (no contract), not the other municipality's.
    assert total.covered == 4
    assert total.population == 140
    assert round(total.percent, 4) == round(100 * 4 / 140, 4)


def test_a_child_who_turns_19_stops_counting_that_day(scene):
    total = selectors.coverage_total(municipality_ids=_ids(scene), on=NEXT_DAY)

    assert total.covered == 3  # Денис is 19 on 16.10.2026


def test_coverage_by_direction_counts_a_child_in_each_direction_attended(scene):
    rows = {
        r.key: r.covered
        for r in selectors.coverage_by_direction(municipality_ids=_ids(scene), on=ON)
    }

    assert rows == {
        "tekhnicheskoe": 2,  # Артём, Денис
        "hudozhestvennoe": 2,  # Артём, Вера
        "fizkulturno-sportivnoe": 2,  # Артём, Глеб
        "estestvennonauchnoe": 0,
        "socialno-pedagogicheskoe": 0,
        "turistsko-kraevedcheskoe": 0,
    }


@pytest.mark.parametrize("on", [ON, NEXT_DAY])
@pytest.mark.parametrize("both", [False, True])
def test_the_one_pass_coverage_equals_the_total_and_the_directions(scene, on, both):
    ids = [scene.world.municipality.pk, scene.other.municipality.pk] if both else _ids(scene)

    total, directions = selectors.coverage_overall(municipality_ids=ids, on=on)

    assert total == selectors.coverage_total(municipality_ids=ids, on=on)
    assert directions == selectors.coverage_by_direction(municipality_ids=ids, on=on)
    assert total.covered == (5 if both else 4) - (on == NEXT_DAY)


def test_the_dashboard_figures_are_kept_five_minutes(scene, time_machine):
    ids = _ids(scene)
    first = selectors.dashboard_figures(municipality_ids=ids, on=ON)
    assert (first.total.covered, first.use.in_use) == (4, 4)
    # Денис's contract ends before the report date: a fresh count no longer has him.
    Contract.objects.filter(application__child=scene.children["denis"]).update(terminated_on=ON)

    time_machine.shift(datetime.timedelta(minutes=4))
    assert selectors.dashboard_figures(municipality_ids=ids, on=ON) == first
    time_machine.shift(datetime.timedelta(minutes=2))
    again = selectors.dashboard_figures(municipality_ids=ids, on=ON)

    assert again.counted_at > first.counted_at
    assert (again.total.covered, again.use.in_use) == (3, 3)
    assert {r.key: r.covered for r in again.directions}["tekhnicheskoe"] == 1


def test_coverage_by_age_on_the_report_date(scene):
    rows = {
        r.key: (r.covered, r.population)
        for r in selectors.coverage_by_age(municipality_ids=_ids(scene), on=ON)
    }

    assert rows["5"] == (1, 10)  # Вера
    assert rows["10"] == (1, 10)  # Артём
    assert rows["18"] == (2, 10)  # Глеб, Денис
    assert sum(covered for covered, _ in rows.values()) == 4
    tomorrow = {
        r.key: r.covered
        for r in selectors.coverage_by_age(municipality_ids=_ids(scene), on=NEXT_DAY)
    }
    assert tomorrow["18"] == 1


def test_coverage_by_municipality_counts_each_at_home(scene):
    ids = [scene.world.municipality.pk, scene.other.municipality.pk]

    rows = {
        r.key: (r.covered, r.population)
        for r in selectors.coverage_by_municipality(municipality_ids=ids, on=ON)
    }

    assert rows[str(scene.world.municipality.pk)] == (4, 140)
    assert rows[str(scene.other.municipality.pk)] == (1, 50)  # its one figure, no ages
    assert selectors.coverage_total(municipality_ids=ids, on=ON).covered == 5


def test_certificates_issued_funded_accounting_and_in_use(scene):
    use = selectors.certificate_use(municipality_ids=_ids(scene), on=ON)

    # Certificates issued at the first contract: Артём, Вера, Глеб, Денис, Егор. Вера's
    # stays accounting (4 at the period's start); the other four are funded. In use on the
    # report date: all but Егор's (withdrawn).
    assert (use.issued, use.funded, use.accounting, use.in_use) == (5, 4, 1, 4)


def test_money_by_month_from_the_ledger(scene):
    (october,) = certificate_money_by_month(municipality_ids=_ids(scene))

    # Nominals by age at 01.09.2026: Артём 9 and Егор 12 → 12 000; Глеб 17 and Денис 18 →
    # 9 000 (three quarters). Вера has none.
    assert october.month == datetime.date(2026, 10, 1)
    assert october.credited == 2 * 12_000_00 + 2 * 9_000_00
    assert october.spent == 300_00  # Глеб's lesson; Денис's charge was reversed
    assert october.expired == 0
    assert october.remaining == october.credited - 300_00
    held = Hold.objects.filter(debit_account__certificate__municipality=scene.world.municipality)
    figures = held.aggregate(a=Sum("amount"), p=Sum("posted"), v=Sum("voided"))
    assert october.reserved == figures["a"] - figures["p"] - figures["v"] > 0
    # The dashboard's figures, from the accounts' running totals, agree with the transfers'.
    now = certificate_money_now(municipality_ids=_ids(scene))
    assert (now.credited, now.balance, now.reserved) == (
        october.credited,
        october.remaining,
        october.reserved,
    )


def test_providers_by_contracts(scene):
    (row,) = selectors.provider_table(municipality_ids=_ids(scene), on=ON)

    # Артём ×3, Вера, Глеб, Денис, Егор (withdrawn from today: not active on it).
    assert (row["contracts_total"], row["contracts_active"], row["contracts_terminated"]) == (
        7,
        6,
        1,
    )
    # Two lessons attended: Глеб's from his certificate, Артём's paid by his parents; Денис's
    # reversed charge is not revenue.
    assert (row["revenue_certificate"], row["revenue_parents"], row["revenue"]) == (
        300_00,
        300_00,
        600_00,
    )


def test_programs_by_demand_and_fill(scene):
    rows = {r["title"]: r for r in selectors.program_table(municipality_ids=_ids(scene))}

    tech = rows["Робототехника для всех"]
    # Applications: Артём, Денис, Егор, Фаина; seats taken: Артём, Денис, Фаина (Егор's freed).
    assert (tech["applications"], tech["seats"], tech["seats_taken"]) == (4, 10, 3)
    assert tech["demand"] == pytest.approx(0.4)
    assert tech["fill"] == pytest.approx(30.0)
    assert next(iter(rows)) == "Робототехника для всех"  # the most demanded first


def test_age_in_the_database_matches_child_age_on_every_birthday_edge(world):
    on = datetime.date(2028, 2, 29)  # a leap day: the hardest report date
    births = [
        datetime.date(2023, 2, 28),  # 5
        datetime.date(2023, 3, 1),  # 4
        datetime.date(2020, 2, 29),  # 8 on a leap day
        datetime.date(2009, 2, 28),  # 19
        datetime.date(2009, 3, 1),  # 18
        datetime.date(2010, 2, 28),  # 18
    ]
    children = [
        Child.objects.create(
            last_name="Тест",
            first_name="Тест",
            birth_date=birth,
            snils=f"{10000000000 + i}",
            municipality=world.municipality,
        )
        for i, birth in enumerate(births)
    ]
    in_range = set(
        Child.objects.filter(selectors.born_for_ages(on, 5, 18)).values_list("pk", flat=True)
    )
    ages = dict(Child.objects.annotate(age=selectors.age_on(on)).values_list("pk", "age"))

    for child in children:
        expected = child.age_on(on)
        assert (child.pk in in_range) == (5 <= expected <= 18), child.birth_date
        assert ages[child.pk] == (expected if 5 <= expected <= 18 else None), child.birth_date


def test_money_by_month_from_a_year_of_transfers_equals_the_whole_history(scene, time_machine):
    ids = _ids(scene)
    october = datetime.date(2026, 10, 1)
    # Two more months: a November lesson charged to Глеб, and in December un-marked.
    gleb = Contract.objects.get(application__child=scene.children["gleb"])
    lesson = Lesson.objects.filter(group=scene.groups["sport"], date__month=11).earliest("date")
    teacher = scene.world.teacher
    time_machine.move_to(datetime.datetime(2026, 11, 30, 20, 0, tzinfo=NOW.tzinfo), tick=False)
    attendance_mark(actor=teacher, lesson=lesson, contract=gleb, present=True, reason="Опоздал")
    time_machine.move_to(datetime.datetime(2026, 12, 2, 12, 0, tzinfo=NOW.tzinfo), tick=False)
    attendance_mark(actor=teacher, lesson=lesson, contract=gleb, present=False, reason="Ошибка")
    whole = certificate_money_by_month(municipality_ids=ids)
    months = [october, datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)]
    assert [m.month for m in whole] == months
    assert whole[1].spent == -whole[2].spent > 0

    for since in (datetime.date(2025, 12, 1), *months):
        assert certificate_money_by_month(municipality_ids=ids, since=since) == [
            m for m in whole if m.month >= since
        ]
    assert (
        certificate_money_by_month(municipality_ids=ids, since=october, until=october)
        == (whole[:1])
    )
    assert money_since(datetime.date(2026, 10, 15)) == datetime.date(2025, 11, 1)
    assert money_since(datetime.date(2027, 1, 31)) == datetime.date(2026, 2, 1)
