"""On PostgreSQL a connection prepares the statements it runs again and again (settings): the
server parses and plans each once, and the pages' reads cost it half the CPU. Behind a pooler
that does not keep prepared statements, KRUZHOK_DB_PREPARED=0 turns it off."""

import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse

from kruzhok import settings as project_settings

SETTINGS_FILE = Path(project_settings.__file__)
URL = "postgresql://kruzhok@db.example:5432/kruzhok"


def _database(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    """DATABASES["default"] as the settings module builds it in a process with this
    environment."""
    monkeypatch.setenv("DATABASE_URL", URL)
    monkeypatch.delenv("KRUZHOK_DB_PREPARED", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    databases: dict[str, Any] = runpy.run_path(str(SETTINGS_FILE))["DATABASES"]
    return databases["default"]


def test_postgresql_connections_prepare_what_they_run_again(monkeypatch):
    options = _database(monkeypatch)["OPTIONS"]

    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5


@pytest.mark.parametrize("value", ["0", ""])
def test_prepared_statements_can_be_turned_off_for_a_pooler(monkeypatch, value):
    options = _database(monkeypatch, KRUZHOK_DB_PREPARED=value).get("OPTIONS", {})

    assert "server_side_binding" not in options
    assert "prepare_threshold" not in options


def _page(client, url: str) -> str:
    """The page without its CSRF tokens (masked anew for every response)."""
    response = client.get(url)
    assert response.status_code == 200
    return re.sub(r"[A-Za-z0-9]{64}", "<token>", response.content.decode())


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_program_page_asked_again_is_read_by_prepared_statements(client, world):
    """The same page, the same answer, once the connection has prepared the page's reads."""
    client.force_login(world.parent)
    url = reverse("catalog:program_detail", args=[world.program.pk])
    first = _page(client, url)
    assert world.group.name in first and "Если записать" in first
    for _ in range(6):
        assert _page(client, url) == first

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('FROM "catalog_program" p' in statement for statement in prepared)
