"""Every form of the portal under hostile input (issue 12, «Fuzzing»).

The forms are found, not listed: every URL pattern from the resolver is opened as each
identity of a small municipality (anonymous, parent, provider administrator, teacher, operator,
regional administrator), and every <form> on a page that opens is driven by hypothesis with long,
Unicode, NUL, right-to-left, injection, boundary-date and huge-number values in its fields
(its own values stay in play, so that valid-looking submissions reach the services too).

What must hold for every submission: never a 5xx; and a refusal (400, 403, 404, 405, 409)
saves nothing — no row of any table is added, removed or changed. Bounded to run in seconds
in `make test`.
"""

import datetime
import html.parser
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kruzhok.accounts.models import Role
from kruzhok.enrollment.tests.world import TODAY, contract_made, user_make

# Small for `make test` (the whole walk takes ~20 s of CPU); KRUZHOK_FUZZ_EXAMPLES=200 digs deeper.
EXAMPLES_PER_FORM = int(os.environ.get("KRUZHOK_FUZZ_EXAMPLES", "6"))

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999999",
    "-99999999999999999999999",
    "1e309",
    "NaN",
    "Infinity",
    "0x10",
    "١٢",  # Arabic-Indic digits
    "12,5",
    "1 000 000 000 000,99",
    "0001-01-01",
    "1900-01-01",
    "9999-12-31",
    "31.12.9999",
    "2026-02-30",
    "29.02.2027",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "25:61",
    "23:30",
    "\x00",
    "Иван\x00ов",
    "\u202eвонаварП",  # right-to-left override
    "\u200f\u200e\ufeff",
    "𝕂𝕣𝕦𝕫𝕙𝕠𝕜 👩‍👧",
    "Ё" * 5000,
    "' OR 1=1 --",
    '"; DROP TABLE catalog_group; --',
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    '=HYPERLINK("http://evil")',
    "@SUM(1+1)",
    "../../etc/passwd",
    "status=all&group=1",
]

IDENTITIES = ("anonymous", "parent", "admin", "teacher", "operator", "regional")
REFUSALS = {400, 403, 404, 405, 409}
# Tables that change on any request, refused or not: sessions and the log-in throttle.
UNCOUNTED = {"sessions", "axes"}


# The pages' forms -------------------------------------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # "text", "select", "file", "checkbox", "button"...
    values: list[str] = field(default_factory=list)


@dataclass
class PageForm:
    url_name: str
    identity: str
    action: str
    method: str
    fields: dict[str, FormField] = field(default_factory=dict)


class _FormParser(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[dict[str, str], dict[str, FormField]]] = []
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a, {}))
            return
        if not self.forms:
            return
        fields = self.forms[-1][1]
        name = a.get("name", "")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = a.get("type", "text")
            current = fields.setdefault(name, FormField(name, kind))
            if a.get("value"):
                current.values.append(a["value"])
        elif tag == "button" and name:
            fields.setdefault(name, FormField(name, "button")).values.append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = fields.setdefault(name, FormField(name, "select"))
        elif tag == "option" and self._select is not None:
            self._select.values.append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = fields.setdefault(name, FormField(name, "textarea"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and data.strip():
            self._textarea.values.append(data.strip())


def _patterns(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
            yield prefix + str(pattern.pattern), name


def _url(route: str, scene: dict[str, object]) -> str | None:
    """The route with its parameters filled from the scene, by what the route is about;
    None for a route whose parameters the scene has nothing for (tokens, documents)."""
    route = "/" + route.lstrip("^").rstrip("$")

    def fill(match: re.Match[str]) -> str:
        converter, name = match[1], match[2]
        before = route[: match.start()]
        if converter == "year_month":
            return "2026-10"
        if converter != "id":
            raise LookupError(name)
        for key, marker in (
            ("child", "children/"),
            ("provider", "provider/<"),
            ("provider", "providers/"),
            ("lesson", "lessons/"),
            ("application", "applications/"),
            ("application", "enrollment/provider/"),
            ("group", "groups/"),
            ("program", "programs/"),
            ("group", "apply/"),
            ("group", "group/"),
            ("program", "program/"),
        ):
            if before.endswith(marker) or (name == f"{key}_id" and key in scene):
                return str(scene[key])
        raise LookupError(name)

    try:
        return re.sub(r"<(\w+):(\w+)>", fill, route)
    except LookupError:
        return None


def _forms(clients: dict[str, Client], scene: dict[str, object]) -> list[PageForm]:
    """Every form on every page that opens for some identity (the first one it opens for)."""
    found: list[PageForm] = []
    for route, url_name in _patterns(get_resolver().url_patterns):
        if route.startswith("admin/") or route.endswith((".pdf", ".xlsx", ".txt")):
            continue
        url = _url(route, scene)
        if url is None:
            continue
        for identity in IDENTITIES:
            response = clients[identity].get(url)
            assert response.status_code < 500, (url, identity)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            parser = _FormParser()
            parser.feed(response.content.decode())
            for attrs, fields in parser.forms:
                if fields:
                    found.append(
                        PageForm(
                            url_name=url_name,
                            identity=identity,
                            action=attrs.get("action") or url,
                            method=(attrs.get("method") or "get").lower(),
                            fields=fields,
                        )
                    )
            if parser.forms:
                break
    return found


# Hostile values ---------------------------------------------------------------------------


def _value(form_field: FormField) -> st.SearchStrategy[object]:
    own = [v for v in form_field.values if v is not None]
    if form_field.kind == "file":
        return st.builds(
            lambda data: SimpleUploadedFile("fuzz.xlsx", data),
            st.one_of(st.binary(max_size=2000), st.just(b"PK\x03\x04" + b"\x00" * 100)),
        )
    choices = [st.sampled_from(HOSTILE), st.text(max_size=40)]
    if own:
        choices.insert(0, st.sampled_from(own))
    return st.one_of(*choices)


def _fingerprint() -> dict[str, int]:
    """Every row of every table, hashed per table: a refusal that adds, removes or changes
    a row shows up (the scene is small, so reading it whole stays cheap)."""
    return {
        model._meta.label: hash(repr(list(model._base_manager.order_by("pk").values_list())))
        for model in apps.get_models()
        if model._meta.app_label not in UNCOUNTED and model._meta.managed
    }


# The test ---------------------------------------------------------------------------------


@pytest.fixture
def clients(world) -> dict[str, Client]:
    users = {
        "parent": world.parent,
        "admin": world.admin,
        "teacher": world.teacher,
        "operator": user_make(Role.OPERATOR, world.municipality),
        "regional": user_make(Role.REGIONAL_ADMIN),
    }
    result = {"anonymous": Client()}
    for identity, user in users.items():
        client = Client()
        client.force_login(user)
        result[identity] = client
    return result


@pytest.fixture
def scene(world) -> dict[str, object]:
    contract = contract_made(world)
    return {
        "child": world.child.pk,
        "provider": world.provider.pk,
        "program": world.program.pk,
        "group": world.group.pk,
        "application": contract.application_id,
        "lesson": world.group.lessons.filter(date=TODAY).values_list("pk", flat=True).first(),
    }


# Forms the walk must find: if it finds fewer, it has stopped looking, and the test says so.
EXPECTED = {
    "enrollment:apply",
    "enrollment:application_withdraw",
    "enrollment:window_group",
    "enrollment:window_program",
    "enrollment:provider_queue",
    "provider:group_create",
    "provider:group_edit",
    "provider:program_create",
    "provider:program_edit",
    "provider:profile_edit",
    "provider:staff",
    "provider_import:page",
    "attendance:lesson_change",
    "families:child_add",
    "catalog:list",
    "accounts:register",
    "accounts:login",
}


def test_every_form_survives_hostile_input(clients, scene):
    forms = _forms(clients, scene)
    assert {f.url_name for f in forms} >= EXPECTED, EXPECTED - {f.url_name for f in forms}
    for form in forms:
        _fuzz(form, clients[form.identity])


def _fuzz(form: PageForm, client: Client) -> None:
    strategy = st.fixed_dictionaries({name: _value(f) for name, f in form.fields.items()})

    @settings(
        max_examples=EXAMPLES_PER_FORM,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(values=strategy)
    def submit(values: dict[str, object]) -> None:
        before = _fingerprint() if form.method == "post" else None
        if form.method == "post":
            response = client.post(form.action, values)
        else:
            response = client.get(
                form.action, {k: v for k, v in values.items() if isinstance(v, str)}
            )
        where = f"{form.url_name} as {form.identity}: {values!r}"[:2000]
        assert response.status_code < 500, where
        if before is not None and response.status_code in REFUSALS:
            assert _fingerprint() == before, f"a refusal saved something: {where}"

    submit()


def test_the_route_filler_covers_the_portals_objects():
    scene = {"group": 1, "program": 2, "application": 3, "lesson": 4, "child": 5, "provider": 6}
    assert _url("enrollment/apply/<id:group_id>/", scene) == "/enrollment/apply/1/"
    assert _url("provider/programs/<id:pk>/edit/", scene) == "/provider/programs/2/edit/"
    assert _url("attendance/lessons/<id:pk>/change/", scene) == "/attendance/lessons/4/change/"
    assert _url("provider/invitations/<str:token>/", scene) is None
    assert datetime.date.fromisoformat("2026-10-01")  # the month filled in for <year_month>
