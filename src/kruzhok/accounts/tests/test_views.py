import pytest
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from kruzhok.accounts import services
from kruzhok.accounts.models import PersonalDataConsent, Role, User
from kruzhok.accounts.tests.factories import PASSWORD, MunicipalityFactory, UserFactory
from kruzhok.common.models import AuditEvent

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
        "consent": "on",
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


def test_registration_creates_the_parent_records_the_consent_and_mails_the_link(
    client, registration, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REGISTER_URL, registration, follow=True)

    assert response.redirect_chain == [(reverse("accounts:register_done"), 302)]
    user = User.objects.get()
    assert user.email == "ivanova@mail.ru"
    assert user.phone == "+79001234567"
    assert user.role == Role.PARENT
    assert user.consents.get().version == services.CONSENT_VERSION
    assert "Проверьте почту" in response.content.decode()
    assert len(mailoutbox) == 1
    assert "http://testserver/accounts/confirm/" in mailoutbox[0].body
    # The person logs in once the address is theirs: an answer that logged in would tell a
    # new address from a registered one.
    assert not get_user(client).is_authenticated


def test_registration_without_the_consent_is_refused_and_saves_nothing(client, registration):
    del registration["consent"]

    response = client.post(REGISTER_URL, registration)

    assert response.status_code == 200
    assert "Без согласия на обработку персональных данных" in response.content.decode()
    assert not User.objects.exists()


def test_the_consent_text_has_its_own_page_with_its_version(client):
    response = client.get(reverse("accounts:consent"))

    assert response.status_code == 200
    assert services.CONSENT_VERSION in response.content.decode()
    assert "152-ФЗ" in response.content.decode()


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


def test_a_taken_email_gets_the_same_answer_and_its_owner_a_letter(
    client, registration, django_capture_on_commit_callbacks, mailoutbox
):
    owner = UserFactory.create(email="ivanova@mail.ru", password="Owner-password-1")
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post(REGISTER_URL, registration)
    registration["email"] = "new.parent@mail.ru"
    with django_capture_on_commit_callbacks(execute=True):
        new = client.post(REGISTER_URL, registration)

    assert (taken.status_code, taken.url) == (new.status_code, new.url)
    assert taken.url == reverse("accounts:register_done")
    assert User.objects.count() == 2
    owner.refresh_from_db()
    assert owner.check_password("Owner-password-1")
    to_owner = [m for m in mailoutbox if m.to == ["ivanova@mail.ru"]]
    assert len(to_owner) == 1
    assert "уже есть" in to_owner[0].body
    assert "http://testserver/accounts/password/reset/" in to_owner[0].body


def test_registrations_from_one_client_are_limited_per_hour(client, registration, settings):
    settings.KRUZHOK_REGISTRATIONS_PER_HOUR = 2
    for n in range(2):
        registration["email"] = f"parent{n}@mail.ru"
        assert client.post(REGISTER_URL, registration).status_code == 302
    registration["email"] = "parent3@mail.ru"

    response = client.post(REGISTER_URL, registration)

    assert response.status_code == 429
    assert "слишком много регистраций" in response.content.decode()
    assert not User.objects.filter(email="parent3@mail.ru").exists()
    other = Client(REMOTE_ADDR="192.0.2.99")
    assert other.post(REGISTER_URL, registration).status_code == 302


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
    if role != Role.PARENT:  # staff agree to the processing of personal data first (below)
        services.consent_give(user=user, version=services.STAFF_CONSENT_VERSION)

    response = client.post(LOGIN_URL, {"username": user.email, "password": PASSWORD})

    assert response.url == reverse(url_name)


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.OPERATOR, Role.REGIONAL_ADMIN])
def test_staff_agree_to_the_processing_of_personal_data_at_their_first_login(client, role):
    user = UserFactory.create(role=role)

    response = client.post(
        f"{LOGIN_URL}?next=/operator/reports/", {"username": user.email, "password": PASSWORD}
    )

    consent_url = reverse("accounts:consent_accept")
    assert response.url == f"{consent_url}?next=%2Foperator%2Freports%2F"
    page = client.get(response.url).content.decode()
    assert "сотрудник поставщика" in page and services.STAFF_CONSENT_VERSION in page
    refused = client.post(consent_url, {"next": "/operator/reports/"})
    assert "Без согласия" in refused.content.decode()
    assert not PersonalDataConsent.objects.filter(user=user).exists()

    agreed = client.post(consent_url, {"consent": "on", "next": "/operator/reports/"})

    assert agreed.url == "/operator/reports/"
    (consent,) = PersonalDataConsent.objects.filter(user=user)
    assert consent.version == services.STAFF_CONSENT_VERSION
    assert AuditEvent.objects.filter(action="consent_give", actor=user).count() == 1
    client.logout()
    again = client.post(LOGIN_URL, {"username": user.email, "password": PASSWORD})
    assert not again.url.startswith(consent_url)


def test_the_consent_page_never_sends_a_person_to_another_site(client):
    user = UserFactory.create(role=Role.OPERATOR)
    client.force_login(user)

    response = client.post(
        reverse("accounts:consent_accept"), {"consent": "on", "next": "https://evil.example/"}
    )

    assert response.url == reverse("oversight:home")


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


RESET_URL = "/accounts/password/reset/"


def test_a_password_reset_answers_the_same_whether_or_not_the_address_exists(client, mailoutbox):
    UserFactory.create(email="ivanova@mail.ru")

    known = client.post(RESET_URL, {"email": "Ivanova@Mail.ru"})
    unknown = client.post(RESET_URL, {"email": "nobody@mail.ru"})

    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert known.url == reverse("accounts:password_reset_done")
    assert [m.to for m in mailoutbox] == [["ivanova@mail.ru"]]


def test_the_reset_link_sets_a_new_password_once(client, mailoutbox):
    user = UserFactory.create(email="ivanova@mail.ru")
    client.post(RESET_URL, {"email": "ivanova@mail.ru"})
    link = next(
        line for line in mailoutbox[0].body.splitlines() if "/accounts/password/reset/" in line
    )
    path = link.removeprefix("http://testserver")

    form = client.get(path, follow=True)
    assert "Задайте новый пароль" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Novyi-parol-2026", "new_password2": "Novyi-parol-2026"},
    )
    assert done.url == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Novyi-parol-2026")
    again = client.get(path, follow=True)
    assert "Ссылка недействительна" in again.content.decode()


def test_password_reset_letters_are_limited_per_address(client, mailoutbox):
    UserFactory.create(email="ivanova@mail.ru")
    for _ in range(3):
        client.post(RESET_URL, {"email": "ivanova@mail.ru"})

    response = client.post(RESET_URL, {"email": "ivanova@mail.ru"})

    assert response.status_code == 429
    assert len(mailoutbox) == 3


def test_a_parent_changes_the_password_knowing_the_old_one(client):
    user = UserFactory.create()
    client.force_login(user)
    url = reverse("accounts:password_change")

    wrong = client.post(
        url,
        {"old_password": "wrong", "new_password1": "Novyi-2026!", "new_password2": "Novyi-2026!"},
    )
    assert wrong.status_code == 200
    assert "Ваш старый пароль введен неправильно" in wrong.content.decode()
    right = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "Novyi-2026!", "new_password2": "Novyi-2026!"},
    )
    assert right.url == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password("Novyi-2026!")


def test_changing_the_password_needs_a_login(client):
    response = client.get(reverse("accounts:password_change"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_behind_the_proxy_one_client_cannot_lock_out_an_email_for_others(settings):
    settings.KRUZHOK_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.KRUZHOK_TRUSTED_PROXIES = 1
    victim = UserFactory.create()
    url = reverse("accounts:login")
    # Every request reaches the portal from the proxy's address; the proxy appends the client.
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(url, {"username": victim.email, "password": "wrong-password"})
    assert attacker.post(url, {"username": victim.email, "password": PASSWORD}).status_code == 429

    # A forged header does not help: the proxy appends the real address after it.
    forged = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.5")
    assert forged.post(url, {"username": victim.email, "password": PASSWORD}).status_code == 429
    owner = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    response = owner.post(url, {"username": victim.email, "password": PASSWORD})
    assert response.status_code == 302
    assert get_user(owner).pk == victim.pk


def test_one_client_trying_many_emails_is_stopped(client, settings):
    settings.KRUZHOK_LOGIN_CLIENT_FAILURE_LIMIT = 5
    users = UserFactory.create_batch(6)
    url = reverse("accounts:login")
    for user in users[:5]:
        assert client.post(url, {"username": user.email, "password": "x"}).status_code == 200

    response = client.post(url, {"username": users[5].email, "password": PASSWORD})

    assert response.status_code == 429
    assert "слишком много попыток входа" in response.content.decode()
    other_client = Client(REMOTE_ADDR="192.0.2.44")
    assert (
        other_client.post(url, {"username": users[5].email, "password": PASSWORD}).status_code
        == 302
    )
