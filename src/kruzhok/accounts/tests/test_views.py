import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from kruzhok.accounts import services
from kruzhok.accounts.models import Role, User
from kruzhok.accounts.tests.factories import PASSWORD, MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db

REGISTER_URL = "/accounts/register/"
LOGIN_URL = "/accounts/login/"


@pytest.fixture
def municipality():
    return MunicipalityFactory.create(name="Нефтекумский городской округ")


@pytest.fixture
def registration(municipality):
    return {
        "last_name": "Иванова",
        "first_name": "Мария",
        "patronymic": "Петровна",
        "email": "Ivanova@Mail.ru",
        "phone": "+7 (900) 123-45-67",
        "municipality": str(municipality.pk),
        "password1": "Kruzhok-2026-parol",
        "password2": "Kruzhok-2026-parol",
    }


def test_the_registration_page_labels_every_field(client):
    response = client.get(REGISTER_URL)

    assert response.status_code == 200
    html = response.content.decode()
    for label in (
        "Фамилия",
        "Имя",
        "Отчество",
        "Электронная почта",
        "Телефон",
        "Муниципалитет",
        "Пароль",
        "Пароль ещё раз",
    ):
        assert f">{label}" in html
    for field in (
        "last_name",
        "first_name",
        "patronymic",
        "email",
        "phone",
        "municipality",
        "password1",
        "password2",
    ):
        assert f'for="id_{field}"' in html


def test_registration_creates_the_parent_logs_them_in_and_mails_the_link_after_commit(
    client, registration, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER_URL, registration, follow=True)

    assert response.redirect_chain == [(reverse("cabinet:home"), 302)]
    user = User.objects.get()
    assert user.email == "ivanova@mail.ru"
    assert user.phone == "+79001234567"
    assert user.role == Role.PARENT
    assert get_user(client).pk == user.pk
    assert "подтвердить адрес электронной почты" in response.content.decode()
    assert len(mailoutbox) == 1
    assert "http://testserver/accounts/confirm/" in mailoutbox[0].body


BAD_INPUTS = [
    ({"last_name": ""}, "Укажите фамилию."),
    ({"first_name": ""}, "Укажите имя."),
    ({"email": "ivanova@"}, "Проверьте адрес электронной почты"),
    ({"email": ""}, "Укажите адрес электронной почты."),
    ({"phone": "12-34"}, "Укажите номер телефона из 11 цифр"),
    ({"phone": ""}, "Укажите номер телефона."),
    ({"municipality": ""}, "Выберите муниципалитет, в котором живёт ребёнок."),
    ({"municipality": "999999"}, "Выберите муниципалитет из списка."),
    ({"password1": "Kr-26", "password2": "Kr-26"}, "Введённый пароль слишком короткий"),
    ({"password1": "84736291", "password2": "84736291"}, "Введённый пароль состоит только из цифр"),
    ({"password1": "password", "password2": "password"}, "слишком широко распространён"),
    ({"password2": "Kruzhok-2026-other"}, "Пароли не совпадают."),
    ({"password1": "", "password2": ""}, "Придумайте пароль."),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUTS)
def test_bad_input_is_explained_in_russian_and_the_typed_values_are_kept(
    client, registration, changes, message
):
    registration.update(changes)

    response = client.post(REGISTER_URL, registration)

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Проверьте поля, отмеченные красным" in html
    for field in ("last_name", "first_name", "patronymic", "email", "phone"):
        if registration[field]:
            assert f'value="{registration[field]}"' in html
    if registration["municipality"] and registration["municipality"] != "999999":
        assert f'<option value="{registration["municipality"]}" selected>' in html
    assert not User.objects.exists()


def test_a_taken_email_is_explained_and_keeps_the_typed_values(client, registration):
    UserFactory.create(email="ivanova@mail.ru")

    response = client.post(REGISTER_URL, registration)

    html = response.content.decode()
    assert "Этот адрес электронной почты уже зарегистрирован" in html
    assert 'value="Иванова"' in html
    assert User.objects.count() == 1


def test_the_password_is_never_sent_back_to_the_browser(client, registration):
    registration["phone"] = "bad"

    response = client.post(REGISTER_URL, registration)

    assert registration["password1"] not in response.content.decode()


def test_an_error_is_tied_to_its_field_for_screen_readers(client, registration):
    registration["phone"] = "bad"

    html = client.post(REGISTER_URL, registration).content.decode()

    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_phone_error"' in html
    assert 'id="id_phone_error"' in html
    assert "is-invalid" in html


def test_a_logged_in_parent_opening_registration_goes_to_the_cabinet(client):
    client.force_login(UserFactory.create())

    response = client.get(REGISTER_URL)

    assert response.status_code == 302
    assert response.url == reverse("cabinet:home")


def test_a_parent_logs_in_by_email_whatever_its_case(client):
    user = UserFactory.create(email="ivanova@mail.ru")

    response = client.post(LOGIN_URL, {"username": "IVANOVA@mail.ru ", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("cabinet:home")
    assert get_user(client).pk == user.pk


def test_the_login_page_asks_for_the_email(client):
    html = client.get(LOGIN_URL).content.decode()

    assert ">Электронная почта" in html
    assert 'type="email"' in html


@pytest.mark.parametrize(
    ("role", "url_name"),
    [
        (Role.PARENT, "cabinet:home"),
        (Role.PROVIDER, "provider:home"),
        (Role.OPERATOR, "oversight:home"),
        (Role.REGIONAL_ADMIN, "oversight:home"),
    ],
)
def test_after_login_each_role_starts_on_its_own_page(client, role, url_name):
    user = UserFactory.create(role=role)

    response = client.post(LOGIN_URL, {"username": user.email, "password": PASSWORD})

    assert response.url == reverse(url_name)


def test_login_returns_to_the_page_the_person_came_from(client):
    user = UserFactory.create()

    response = client.post(
        f"{LOGIN_URL}?next=/cabinet/children/add/",
        {"username": user.email, "password": PASSWORD, "next": "/cabinet/children/add/"},
    )

    assert response.url == "/cabinet/children/add/"


def test_login_ignores_a_next_address_on_another_site(client):
    user = UserFactory.create()

    response = client.post(
        LOGIN_URL,
        {"username": user.email, "password": PASSWORD, "next": "https://evil.example/steal"},
    )

    assert response.url == reverse("cabinet:home")


def test_a_wrong_password_is_explained_in_russian_and_keeps_the_email(client):
    user = UserFactory.create()

    response = client.post(LOGIN_URL, {"username": user.email, "password": "wrong-password"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Неверная электронная почта или пароль" in html
    assert f'value="{user.email}"' in html
    assert not get_user(client).is_authenticated


def test_logout_is_a_post_and_ends_the_session(client):
    client.force_login(UserFactory.create())

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert not get_user(client).is_authenticated


def test_after_logout_the_old_session_cookie_no_longer_logs_anyone_in(client):
    user = UserFactory.create()
    client.post(LOGIN_URL, {"username": user.email, "password": PASSWORD})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    def replayed() -> object:
        """Who a fresh browser presenting the cookie is."""
        replay = Client()
        replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
        return replay.get(reverse("home")).wsgi_request.user

    assert replayed() == user
    client.post("/accounts/logout/")

    # The row is gone on the server, so the cookie fails in every worker, not only this one.
    assert not Session.objects.filter(session_key=cookie).exists()
    assert replayed().is_anonymous


def test_the_confirmation_link_confirms_the_email_and_leads_to_the_cabinet(client):
    user = UserFactory.create(email_confirmed_at=None)
    client.force_login(user)
    token = services.user_email_confirmation_token(user=user)

    response = client.get(reverse("accounts:confirm_email", kwargs={"token": token}), follow=True)

    assert response.redirect_chain[-1][0] == reverse("cabinet:home")
    assert "Адрес электронной почты подтверждён" in response.content.decode()
    user.refresh_from_db()
    assert user.email_confirmed_at is not None


def test_the_confirmation_link_works_without_logging_in_and_then_asks_to_log_in(client):
    user = UserFactory.create(email_confirmed_at=None)
    token = services.user_email_confirmation_token(user=user)

    response = client.get(reverse("accounts:confirm_email", kwargs={"token": token}))

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    user.refresh_from_db()
    assert user.email_confirmed_at is not None


def test_a_broken_confirmation_link_says_what_went_wrong_and_what_to_do(client):
    response = client.get(reverse("accounts:confirm_email", kwargs={"token": "broken:token"}))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Ссылка для подтверждения недействительна" in html
    assert "Войти, чтобы получить новое письмо" in html


def test_an_unconfirmed_parent_can_ask_for_the_letter_again(
    client, django_capture_on_commit_callbacks, mailoutbox
):
    user = UserFactory.create(email_confirmed_at=None)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:confirm_email_resend"))

    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]


def test_a_confirmed_parent_gets_no_second_letter(client, mailoutbox):
    client.force_login(UserFactory.create())

    client.post(reverse("accounts:confirm_email_resend"))

    assert mailoutbox == []


def test_asking_for_the_letter_again_needs_a_login(client):
    response = client.post(reverse("accounts:confirm_email_resend"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_ten_wrong_passwords_lock_the_email_out_for_a_while(client, settings):
    user = UserFactory.create()
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": user.email, "password": "wrong-password"})
        assert response.status_code == 200
        assert not get_user(client).is_authenticated
    locked = client.post(url, {"username": user.email, "password": "wrong-password"})
    assert locked.status_code == 429
    assert "Вход временно заблокирован" in locked.content.decode()
    # Even the right password waits out the cool-off...
    response = client.post(url, {"username": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert not get_user(client).is_authenticated


def test_a_lockout_of_one_email_does_not_touch_another(client, settings):
    victim, other = UserFactory.create(), UserFactory.create()
    url = reverse("accounts:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": victim.email, "password": "wrong-password"})
    response = client.post(url, {"username": other.email, "password": PASSWORD})
    assert response.status_code == 302
    assert get_user(client).is_authenticated
