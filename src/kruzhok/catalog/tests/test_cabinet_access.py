"""Who reaches the catalogue's pages of the provider's cabinet (program_views, group_views):
visitors log in, other roles get 403, another provider's administrator finds nothing, and a
teacher reads but does not change."""

import pytest
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.catalog.models import ProgramState
from kruzhok.enrollment.tests.world import provider_make, user_make

pytestmark = pytest.mark.django_db


# (url name, argument kind, method, admin only)
PAGES = [
    ("provider:home", None, "get", False),
    ("provider:program_create", "provider", "get", True),
    ("provider:program_detail", "program", "get", False),
    ("provider:program_edit", "program", "get", True),
    ("provider:program_submit", "program", "post", True),
    ("provider:program_archive", "program", "post", True),
    ("provider:group_create", "program", "get", True),
    ("provider:group_edit", "group", "get", True),
]


def _url(world, name, kind):
    argument = {
        None: None,
        "provider": world.provider.pk,
        "program": world.program.pk,
        "group": world.group.pk,
    }[kind]
    return reverse(name, args=[] if argument is None else [argument])


@pytest.fixture
def cabinet_world(world):
    return world


def _request(client, method, url):
    return client.get(url) if method == "get" else client.post(url)


@pytest.mark.parametrize(("name", "kind", "method", "admin_only"), PAGES)
def test_anonymous_visitors_are_sent_to_log_in(
    client, cabinet_world, name, kind, method, admin_only
):
    url = _url(cabinet_world, name, kind)
    response = _request(client, method, url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "kind", "method", "admin_only"), PAGES)
@pytest.mark.parametrize("role", [Role.PARENT, Role.OPERATOR])
def test_other_roles_are_refused(client, cabinet_world, name, kind, method, admin_only, role):
    client.force_login(user_make(role, cabinet_world.municipality))
    assert _request(client, method, _url(cabinet_world, name, kind)).status_code == 403


@pytest.mark.parametrize(("name", "kind", "method", "admin_only"), PAGES[1:])
def test_another_providers_administrator_finds_nothing(
    client, cabinet_world, name, kind, method, admin_only
):
    _, other_admin, _ = provider_make(cabinet_world.municipality)
    client.force_login(other_admin)
    assert _request(client, method, _url(cabinet_world, name, kind)).status_code == 404


@pytest.mark.parametrize(("name", "kind", "method", "admin_only"), PAGES)
def test_a_teacher_sees_but_does_not_change(client, cabinet_world, name, kind, method, admin_only):
    client.force_login(cabinet_world.teacher)
    response = _request(client, method, _url(cabinet_world, name, kind))
    assert response.status_code == (403 if admin_only else 200)
    cabinet_world.program.refresh_from_db()
    assert cabinet_world.program.state == ProgramState.PUBLISHED
