"""Personal API tokens: shown once, kept hashed, bound to the role and organisation, expiring
and revocable; the cabinet page that manages them."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kruzhok.accounts.models import Role
from kruzhok.api.auth import token_digest
from kruzhok.api.models import ApiToken
from kruzhok.api.services import api_token_create, api_token_revoke
from kruzhok.api.tests.conftest import bearer
from kruzhok.common.models import AuditEvent
from kruzhok.enrollment.tests.world import provider_make, user_make, world_make
from kruzhok.providers.models import ProviderStaff

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


def test_a_parent_creates_a_token_on_the_page_sees_it_once_and_uses_it():
    world = world_make()
    client = Client()
    client.force_login(world.parent)
    page = client.post(reverse("api_tokens:list"), {"name": "Мой скрипт", "days": "30"})
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    secret = re.search(r"krz_[A-Za-z0-9_\-]+", page.content.decode()).group(0)
    token = ApiToken.objects.get(user=world.parent)
    # Kept hashed: the secret is nowhere in the row.
    assert token.digest == token_digest(secret)
    assert secret not in {token.digest, token.prefix, token.name}
    assert token.prefix == secret[:12]
    assert token.expires_at - token.created_at == datetime.timedelta(days=30)
    assert AuditEvent.objects.filter(action="api_token_create", object_id=str(token.pk)).exists()
    # Shown once: the list afterwards shows only its beginning.
    listing = client.get(reverse("api_tokens:list")).content.decode()
    assert secret not in listing and token.prefix in listing

    answer = Client().get(ME, headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200
    assert answer.json()["role"] == Role.PARENT and answer.json()["id"] == world.parent.pk
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_bad_input_on_the_token_page_says_what_to_fix_and_creates_nothing():
    world = world_make()
    client = Client()
    client.force_login(world.admin)
    page = client.post(reverse("api_tokens:list"), {"name": " ", "days": "400"})
    assert page.status_code == 400
    text = page.content.decode()
    assert "Обязательное поле" in text
    assert "365" in text
    assert not ApiToken.objects.exists()
    # A provider's staff member names the organisation; one they do not work at is refused.
    other, _, _ = provider_make(world.municipality)
    page = client.post(
        reverse("api_tokens:list"), {"name": "Учёт", "days": "10", "provider": other.pk}
    )
    assert page.status_code == 400 and not ApiToken.objects.exists()


def test_a_revoked_expired_or_outgrown_token_is_refused_with_401(time_machine):
    world = world_make()
    created = api_token_create(user=world.parent, name="A", days=1)
    headers = {"Authorization": f"Bearer {created.secret}"}
    assert Client().get(ME, headers=headers).status_code == 200

    time_machine.move_to(timezone.now() + datetime.timedelta(days=1, seconds=1))
    answer = Client().get(ME, headers=headers)
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    assert "ключ" in answer.json()["detail"]
    assert answer["WWW-Authenticate"].startswith("Bearer")

    second = api_token_create(user=world.parent, name="B", days=5)
    headers = {"Authorization": f"Bearer {second.secret}"}
    assert Client().get(ME, headers=headers).status_code == 200
    api_token_revoke(user=world.parent, token=second.token)
    assert Client().get(ME, headers=headers).status_code == 401

    third = api_token_create(user=world.parent, name="C", days=5)
    headers = {"Authorization": f"Bearer {third.secret}"}
    world.parent.role = Role.PROVIDER  # the person's role changed: the token acted as a parent
    world.parent.save(update_fields=["role"])
    assert Client().get(ME, headers=headers).status_code == 401

    for junk in ("krz_nonsense", "abc", "krz_" + "x" * 200):
        assert Client().get(ME, headers={"Authorization": f"Bearer {junk}"}).status_code == 401


def test_a_provider_token_acts_for_one_organisation_while_the_person_works_there():
    world = world_make()
    headers = bearer(world.admin, provider_id=world.provider.pk)
    answer = Client().get(ME, headers=headers)
    assert answer.json()["provider_id"] == world.provider.pk
    ProviderStaff.objects.filter(user=world.admin, provider=world.provider).delete()
    assert Client().get(ME, headers=headers).status_code == 401


def test_the_token_page_lists_only_ones_own_tokens_and_revokes_only_them():
    world = world_make()
    stranger = user_make(Role.PARENT, world.municipality)
    own = api_token_create(user=world.parent, name="Свой", days=5).token
    theirs = api_token_create(user=stranger, name="Чужой", days=5).token
    client = Client()
    client.force_login(world.parent)
    listing = client.get(reverse("api_tokens:list")).content.decode()
    assert "Свой" in listing and "Чужой" not in listing
    assert client.post(reverse("api_tokens:revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert client.get(reverse("api_tokens:revoke", args=[own.pk])).status_code == 405
    assert client.post(reverse("api_tokens:revoke", args=[own.pk])).status_code == 302
    own.refresh_from_db()
    assert own.revoked_at is not None
    assert Client().get(reverse("api_tokens:list")).status_code == 302  # anonymous: log in


def test_the_session_works_for_reads_and_needs_the_csrf_token_for_writes():
    world = world_make()
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.parent)
    assert client.get(ME).json()["id"] == world.parent.pk
    assert Client().get(ME).status_code == 401


def test_the_schema_and_its_docs_are_served_without_any_outside_asset():
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["info"]["title"] == "Кружок: API v1"
    problem = document["paths"]["/api/v1/parent/applications"]["post"]["responses"]["409"]
    assert list(problem["content"]) == ["application/problem+json"]
    docs = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    # Nothing from elsewhere (the page's CSRF token is random, so no word search on it).
    assert "https://" not in docs and "//cdn" not in docs
