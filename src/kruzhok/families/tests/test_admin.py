import pytest
from django.contrib import admin
from django.urls import reverse

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory.create(role=Role.OPERATOR, is_staff=True, is_superuser=True))
    return client


def test_a_child_is_found_by_snils_typed_as_on_the_document_sent_by_post(admin_client_, parent):
    child = ChildFactory.create(guardian=parent, snils="11223344595", first_name="Пётр")
    ChildFactory.create(guardian=parent, first_name="Анна")
    url = reverse("admin:families_child_find_by_snils")

    found = admin_client_.post(url, {"snils": "112-233-445 95"})
    missing = admin_client_.post(url, {"snils": "112-233-445 00"})

    assert found.url == reverse("admin:families_child_change", args=[child.pk])
    assert "11223344595" not in found.url
    assert "Ребёнка с таким СНИЛС нет" in missing.content.decode()


def test_no_admin_list_searches_by_snils_through_its_address():
    for model_admin in admin.site._registry.values():
        assert not [f for f in model_admin.search_fields if "snils" in f], model_admin


def test_the_child_list_shows_the_snils_masked(admin_client_, parent):
    ChildFactory.create(guardian=parent, snils="11223344595")

    html = admin_client_.get("/admin/families/child/").content.decode()

    assert "•••-•••-•45 95" in html
    assert "112-233-445 95" not in html and "11223344595" not in html


def test_the_child_page_in_the_admin_lists_its_guardians(admin_client_, parent):
    child = ChildFactory.create(guardian=parent)

    html = admin_client_.get(f"/admin/families/child/{child.pk}/change/").content.decode()

    assert "законные представители" in html.lower()
    assert parent.email in html


def test_the_guardianship_list_opens(admin_client_, parent):
    ChildFactory.create(guardian=parent)

    assert admin_client_.get("/admin/families/guardianship/").status_code == 200


def test_deletion_requests_are_listed_read_only(admin_client_, parent):
    from kruzhok.families.privacy import family_deletion_request

    family_deletion_request(parent=parent, last_financial_record=None)

    assert admin_client_.get("/admin/families/datadeletionrequest/").status_code == 200
    assert admin_client_.get("/admin/families/datadeletionrequest/add/").status_code == 403
