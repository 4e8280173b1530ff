"""The portal's own error pages: Russian, also under DEBUG (`make run`)."""

import pytest
from django.urls import reverse
from django.views.defaults import server_error

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [False, True])
def test_a_missing_page_is_the_portals_russian_page(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Страница не найдена" in html
    assert "Page not found" not in html
    assert "URLconf" not in html


def test_a_missing_object_under_debug_is_the_portals_page_too(client, settings):
    settings.DEBUG = True
    response = client.get("/catalog/programs/999999/")

    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


def test_a_forbidden_page_explains_in_russian(client):
    client.force_login(UserFactory.create(role=Role.PARENT))

    response = client.get(reverse("operator:queue"))

    assert response.status_code == 403
    assert "Нет доступа к этой странице" in response.content.decode()


def test_a_server_error_is_explained_in_russian(rf):
    page = server_error(rf.get("/")).content.decode()

    assert "Что-то пошло не так" in page
    assert "Server Error" not in page


def test_the_favicon_is_served_from_static_files(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
