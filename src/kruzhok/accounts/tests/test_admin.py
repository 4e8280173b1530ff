import pytest
from django.contrib.auth.models import Permission

from kruzhok.accounts.models import Role, User
from kruzhok.accounts.tests.factories import MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory.create(role=Role.OPERATOR, is_staff=True, is_superuser=True)


def test_the_user_list_shows_email_name_role_and_municipality(client, superuser):
    UserFactory.create(
        email="petrova@example.ru",
        last_name="Петрова",
        municipality=MunicipalityFactory.create(name="Левокумский округ"),
    )
    client.force_login(superuser)

    html = client.get("/admin/accounts/user/?q=Петрова").content.decode()

    assert "petrova@example.ru" in html
    assert "Петрова Мария Петровна" in html
    assert "Левокумский округ" in html


def test_a_user_can_be_added_in_the_admin_by_email(client, superuser):
    client.force_login(superuser)
    municipality = MunicipalityFactory.create()

    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Operator@Example.ru",
            "last_name": "Сидоров",
            "first_name": "Олег",
            "patronymic": "",
            "role": Role.OPERATOR,
            "municipality": municipality.pk,
            "usable_password": "true",
            "password1": "Kruzhok-2026-parol",
            "password2": "Kruzhok-2026-parol",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    assert User.objects.filter(email="new.operator@example.ru", role=Role.OPERATOR).exists()


def test_a_municipal_operator_gets_no_admin_page_even_with_staff_rights(client):
    home = MunicipalityFactory.create(name="Нефтекумский городской округ")
    operator = UserFactory.create(role=Role.OPERATOR, is_staff=True, municipality=home)
    operator.user_permissions.add(Permission.objects.get(codename="view_user"))
    UserFactory.create(email="local@example.ru", municipality=home)
    client.force_login(operator)

    response = client.get("/admin/accounts/user/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
