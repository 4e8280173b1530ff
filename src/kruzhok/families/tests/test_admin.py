import pytest

from kruzhok.accounts.models import Role
from kruzhok.accounts.tests.factories import UserFactory
from kruzhok.families.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory.create(role=Role.OPERATOR, is_staff=True, is_superuser=True))
    return client


def test_a_child_is_found_by_snils_typed_as_on_the_document(admin_client_, parent):
    ChildFactory.create(guardian=parent, snils="11223344595", first_name="Пётр")
    ChildFactory.create(guardian=parent, first_name="Анна")

    html = admin_client_.get("/admin/families/child/?q=112-233-445 95").content.decode()

    assert "Пётр" in html
    assert "Анна" not in html


def test_the_child_page_in_the_admin_lists_its_guardians(admin_client_, parent):
    child = ChildFactory.create(guardian=parent)

    html = admin_client_.get(f"/admin/families/child/{child.pk}/change/").content.decode()

    assert "законные представители" in html.lower()
    assert parent.email in html


def test_the_guardianship_list_opens(admin_client_, parent):
    ChildFactory.create(guardian=parent)

    assert admin_client_.get("/admin/families/guardianship/").status_code == 200
