"""The statement's pages: the months on the child's page, the HTML statement and its PDF, and
who may open them. Figures come from the scene of `statement_scene` (see its docstring)."""

import datetime

import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.billing.month_close import month_close
from kruzhok.cabinet.tests.statement_scene import october_scene
from kruzhok.common.money import NBSP, kopecks_in_words
from kruzhok.enrollment.tests.world import user_make
from kruzhok.families.models import Guardianship

pytestmark = pytest.mark.django_db

OCTOBER_URL = "/cabinet/children/{pk}/statements/2026-10/"
PDF_URL = "/cabinet/children/{pk}/statements/2026-10/statement.pdf"


def rub(text: str) -> str:
    """«1 300,00 ₽» as the pages print it, with non-breaking spaces."""
    return text.replace(" ", NBSP)


@pytest.fixture
def scene(time_machine):
    return october_scene(time_machine)


@pytest.fixture
def parent_client(client, scene):
    client.force_login(scene.world.parent)
    return client


@pytest.fixture
def weasyprint_input(monkeypatch):
    """The HTML strings handed to WeasyPrint, which still lays them out."""
    import weasyprint

    seen: list[str] = []
    real = weasyprint.HTML

    def spy(*args, **kwargs):
        seen.append(kwargs["string"])
        return real(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", spy)
    return seen


def _url(template, scene):
    return template.format(pk=scene.world.child.pk)


# The child's page --------------------------------------------------------------------------


def test_the_childs_page_lists_the_months_with_charges_newest_first(parent_client, scene):
    html = parent_client.get(f"/cabinet/children/{scene.world.child.pk}/").content.decode()

    assert "Выписки по месяцам" in html
    november, october = html.index("Выписка за ноябрь 2026"), html.index("Выписка за октябрь 2026")
    assert november < october
    assert f'href="{_url(OCTOBER_URL, scene)}"' in html
    assert f'href="{_url(PDF_URL, scene)}"' in html
    assert "Выписка за сентябрь 2026" not in html


def test_the_childs_page_without_charges_says_a_statement_comes_with_the_first_lesson(
    client, world
):
    client.force_login(world.parent)

    html = client.get(f"/cabinet/children/{world.child.pk}/").content.decode()

    assert "Выписки по месяцам" in html
    assert "Начислений за занятия пока не было" in html


# The statement in HTML ---------------------------------------------------------------------


def test_the_statement_shows_every_lesson_and_the_totals_to_the_kopeck(parent_client, scene):
    response = parent_client.get(_url(OCTOBER_URL, scene))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Выписка за октябрь 2026" in html
    assert scene.world.child.full_name in html
    for text in (
        "Робототехника",
        "Акварель",
        scene.world.provider.short_name,
        scene.watercolour.application.group.program.provider.short_name,
        f"Договор № {scene.robotics.number}",
        f"Договор № {scene.watercolour.number}",
        "15.10.2026",
        "21.10.2026",
        "27.10.2026",
        "28.10.2026",
        "29.10.2026",
        rub("238,09 ₽"),
        rub("238,10 ₽"),
        rub("61,91 ₽"),
        rub("61,90 ₽"),
        rub("200,00 ₽"),
        # A's totals, B's totals, the month's.
        rub("900,00 ₽"),
        rub("714,28 ₽"),
        rub("185,72 ₽"),
        rub("400,00 ₽"),
        rub("1 300,00 ₽"),
        rub("585,72 ₽"),
        # The certificate at the month's end.
        "Сертификат на 31.10.2026",
        rub("4 285,72 ₽"),
    ):
        assert text in html, text
    for absent in ("20.10.2026", "22.10.2026", "03.11.2026"):
        assert absent not in html, absent
    assert "педагог может исправить отметки" in html
    assert f'href="{_url(PDF_URL, scene)}"' in html


def test_a_closed_month_says_its_charges_are_final(parent_client, scene):
    month_close(
        actor=None,
        municipality=scene.world.municipality,
        month=datetime.date(2026, 10, 1),
        today=datetime.date(2026, 11, 5),
    )

    html = parent_client.get(_url(OCTOBER_URL, scene)).content.decode()
    assert "начисления окончательные" in html
    assert "педагог может исправить" not in html


def test_a_month_with_nothing_charged_says_so(parent_client, scene):
    response = parent_client.get(f"/cabinet/children/{scene.world.child.pk}/statements/2026-09/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "За сентябрь 2026 ничего не начислено" in html
    assert "Итого за месяц" not in html


@pytest.mark.parametrize(
    "month", ["2026-13", "2026-00", "0000-01", "2026-1", "26-10", "2026-10-01", "октябрь"]
)
def test_a_malformed_month_is_not_found(parent_client, scene, month):
    base = f"/cabinet/children/{scene.world.child.pk}/statements/{month}/"

    assert parent_client.get(base).status_code == 404
    assert parent_client.get(f"{base}statement.pdf").status_code == 404


# The statement in PDF ----------------------------------------------------------------------


def test_the_pdf_is_served_as_pdf(parent_client, scene):
    response = parent_client.get(_url(PDF_URL, scene))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="vypiska-2026-10.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_the_pdf_names_the_family_the_child_the_providers_and_the_totals_in_words(
    parent_client, scene, weasyprint_input
):
    world = scene.world
    second = user_make(Role.PARENT, world.municipality)
    Guardianship.objects.create(child=world.child, user=second)

    assert parent_client.get(_url(PDF_URL, scene)).content.startswith(b"%PDF")

    (html,) = weasyprint_input
    watercolour_provider = scene.watercolour.application.group.program.provider
    for text in (
        "Выписка за октябрь 2026",
        world.child.full_name,
        world.parent.full_name,
        second.full_name,
        "с 01.10.2026 по 31.10.2026",
        world.child.certificate.number_display,
        # Each contract with its provider's details.
        f"договор № {scene.robotics.number} от 15.10.2026",
        f"договор № {scene.watercolour.number} от 15.10.2026",
        world.provider.full_name,
        f"ИНН {world.provider.inn}, ОГРН {world.provider.ogrn}",
        world.provider.address,
        watercolour_provider.full_name,
        f"ИНН {watercolour_provider.inn}, ОГРН {watercolour_provider.ogrn}",
        # The lines, the contracts' totals and the month's, in figures and in words.
        rub("238,09 ₽"),
        rub("238,10 ₽"),
        rub("714,28 ₽"),
        rub("185,72 ₽"),
        rub("400,00 ₽"),
        rub("1 300,00 ₽"),
        rub("585,72 ₽"),
        kopecks_in_words(714_28),
        kopecks_in_words(185_72),
        kopecks_in_words(400_00),
        kopecks_in_words(0),
        kopecks_in_words(1_300_00),
        kopecks_in_words(585_72),
        rub("4 285,72 ₽"),
    ):
        assert text in html, text
    for absent in ("20.10.2026", "22.10.2026", "03.11.2026"):
        assert absent not in html, absent
    assert html.index(world.parent.full_name) < html.index(second.full_name)


def test_the_pdf_of_an_empty_month_says_so(parent_client, scene, weasyprint_input):
    response = parent_client.get(
        f"/cabinet/children/{scene.world.child.pk}/statements/2026-09/statement.pdf"
    )

    assert response.content.startswith(b"%PDF")
    assert "За сентябрь 2026 ничего не начислено" in weasyprint_input[0]


# Who may open it ---------------------------------------------------------------------------


@pytest.mark.parametrize("template", [OCTOBER_URL, PDF_URL])
def test_a_second_guardian_sees_the_statement(client, scene, template):
    second = user_make(Role.PARENT, scene.world.municipality)
    Guardianship.objects.create(child=scene.world.child, user=second)
    client.force_login(second)

    assert client.get(_url(template, scene)).status_code == 200


@pytest.mark.parametrize("template", [OCTOBER_URL, PDF_URL])
def test_another_familys_child_is_not_found(client, scene, template):
    client.force_login(user_make(Role.PARENT, scene.world.municipality))

    assert client.get(_url(template, scene)).status_code == 404


@pytest.mark.parametrize("template", [OCTOBER_URL, PDF_URL])
def test_the_providers_staff_and_the_operator_are_forbidden(client, scene, template):
    operator = user_make(Role.OPERATOR, scene.world.municipality)
    for user in (scene.world.admin, scene.world.teacher, operator):
        client.force_login(user)
        assert client.get(_url(template, scene)).status_code == 403, user.role


@pytest.mark.parametrize("template", [OCTOBER_URL, PDF_URL])
def test_an_anonymous_visitor_is_sent_to_log_in(client, scene, template):
    url = _url(template, scene)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url}"


def test_the_urls_round_trip_a_month():
    url = reverse("cabinet:statement", args=[7, datetime.date(2026, 3, 1)])

    assert url == "/cabinet/children/7/statements/2026-03/"
    assert reverse("cabinet:statement_pdf", args=[7, "2026-03"]).endswith("2026-03/statement.pdf")
