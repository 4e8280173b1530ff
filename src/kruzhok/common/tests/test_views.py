from unittest import mock

import pytest
from django.db import OperationalError

from kruzhok.accounts.tests.factories import UserFactory


@pytest.mark.django_db
def test_healthz_reports_ok_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_is_unreachable(client):
    with mock.patch(
        "django.db.connection.cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unavailable", "cache": "ok"}


def test_healthz_answers_only_get(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_healthz_session_answers_an_anonymous_visitor_without_a_query(
    client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/healthz/session")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "session": False, "authenticated": False}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_session_reads_the_session_and_the_user_and_nothing_else(
    client, django_assert_num_queries
):
    user = UserFactory()
    client.force_login(user)
    with django_assert_num_queries(2):
        response = client.get("/healthz/session")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "session": True, "authenticated": True}
    body = response.content.decode()
    assert user.email not in body
    assert str(user.pk) not in body
    assert client.session.session_key not in body
    assert "Set-Cookie" not in response.headers, "reading the session must not rewrite it"


def test_healthz_session_answers_only_get(client):
    assert client.post("/healthz/session").status_code == 405
