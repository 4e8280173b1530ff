"""Finding 7 of issue 12: an integer too big for the database, sent in a form, a query string
or a URL, is a Russian form error or a 404 — never an overflow (500)."""

import pytest
from django.urls import reverse

from kruzhok.enrollment.models import Application

BIG = "99999999999999999999999"


@pytest.fixture
def lenient_client(client):
    client.raise_request_exception = False
    return client


def test_applying_with_a_huge_child_number_is_a_form_error(lenient_client, world):
    lenient_client.force_login(world.parent)
    response = lenient_client.post(
        reverse("enrollment:apply", args=[world.group.pk]), {"child": BIG}
    )
    assert response.status_code == 400
    assert "Выберите ребёнка из списка." in response.content.decode()
    assert not Application.objects.exists()


def test_applying_to_a_huge_group_number_is_not_found(lenient_client, world):
    lenient_client.force_login(world.parent)
    response = lenient_client.post(f"/enrollment/apply/{BIG}/", {"child": world.child.pk})
    assert response.status_code == 404
    assert not Application.objects.exists()


def test_the_queue_filtered_by_a_huge_group_number_shows_the_queue(lenient_client, world):
    lenient_client.force_login(world.admin)
    response = lenient_client.get(reverse("enrollment:provider_queue") + f"?group={BIG}")
    assert response.status_code == 200


def test_accepting_a_huge_application_number_accepts_nothing(lenient_client, world):
    lenient_client.force_login(world.admin)
    response = lenient_client.post(
        reverse("enrollment:provider_bulk_accept"), {"application": [BIG, "-1", "١٢"]}
    )
    assert response.status_code == 302


def test_a_huge_number_in_any_url_is_not_found(lenient_client, world):
    lenient_client.force_login(world.admin)
    for url in (
        f"/enrollment/provider/{BIG}/accept/",
        f"/enrollment/windows/group/{BIG}/",
        f"/attendance/groups/{BIG}/",
    ):
        assert lenient_client.get(url).status_code in (404, 405), url


def test_a_lesson_mark_with_a_huge_lesson_number_is_not_found(lenient_client, world):
    lenient_client.force_login(world.teacher)
    response = lenient_client.post(
        reverse("attendance:mark"), {"lesson": BIG, "contract": BIG, "present": "1"}
    )
    assert response.status_code == 404


def test_a_journal_month_far_in_the_future_shows_the_current_month(lenient_client, world):
    lenient_client.force_login(world.teacher)
    url = reverse("attendance:journal", args=[world.group.pk])
    assert lenient_client.get(url + "?month=9999-12").status_code == 200
    assert lenient_client.get(url + "?month=0001-01").status_code == 200
