"""The access matrix: every URL pattern the resolver knows, walked as each kind of person.

The walk fills each path parameter with the id of an object of each side (see
`access_scene`): side "x" is municipality M, provider X and parent A; side "y" is N, Y and
parent B. `MATRIX` says, per URL name, who may GET it and who may POST to it, in words
relative to the object's side ("parent" is parent A for an object of side x); everyone else
must be refused — 403, 404, 405 or, for the anonymous visitor, the log-in page — and a
refused request must change nothing in the database. A page someone may open must not name a
child they may not see. A URL pattern without an entry fails the test, naming it: add one
line to `MATRIX` (an app's new pages: `"reports:coverage": E(OPERATORS),`).

/admin/ is one entry, the superuser's alone; `test_admin_is_the_superusers_alone` walks it.
"""

import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kruzhok.common.models import Municipality
from tests.access_scene import IDENTITIES, SURNAMES, Scene, scene_make

# Who, relative to the side of the URL's objects (for a URL without objects: of either side).
ANONYMOUS = "anonymous"
PARENT = "parent"  # the parent of the side's child
ANY_PARENT = "any_parent"  # any parent, whatever the side
ADMIN = "admin"  # an administrator of the side's provider
TEACHER = "teacher"  # the teacher of the side's group, on its provider's staff today
MEMBER = "member"  # anyone on the side's provider's staff today
PROVIDER_ROLE = "provider_role"  # anyone whose role is «provider», on a staff or not
OPERATOR = "operator"  # the operator of the side's municipality
ANY_OPERATOR = "any_operator"  # any municipal operator, whatever the side
REGIONAL = "regional"

EVERYONE = frozenset({ANONYMOUS, ANY_PARENT, PROVIDER_ROLE, ANY_OPERATOR, REGIONAL})
LOGGED_IN = EVERYONE - {ANONYMOUS}
OPERATORS = frozenset({OPERATOR, REGIONAL})
ANY_OPERATORS = frozenset({ANY_OPERATOR, REGIONAL})  # pages of the operator's own municipality
STAFF = frozenset({ADMIN, TEACHER})
NOBODY: frozenset[str] = frozenset()

_BY_SIDE = {
    PARENT: {"x": {"parent_a"}, "y": {"parent_b"}},
    ADMIN: {"x": {"admin_x"}, "y": {"admin_y"}},
    # Y's group's teacher was taken off Y's staff: side y has no teacher.
    TEACHER: {"x": {"teacher"}, "y": set()},
    MEMBER: {"x": {"admin_x", "teacher", "other_teacher"}, "y": {"admin_y"}},
    OPERATOR: {"x": {"operator_m"}, "y": {"operator_n"}},
}
_ANY_SIDE = {
    ANONYMOUS: {"anonymous"},
    ANY_PARENT: {"parent_a", "parent_b"},
    PROVIDER_ROLE: {"admin_x", "admin_y", "teacher", "other_teacher", "removed_teacher"},
    ANY_OPERATOR: {"operator_m", "operator_n"},
    REGIONAL: {"regional"},
}
# Who may see each side's child (its surname on a page).
_SEES_CHILD = {
    "x": {"parent_a", "admin_x", "teacher", "operator_m", "regional"},
    "y": {"parent_b", "admin_y", "operator_n", "regional"},
}


def who(words: frozenset[str], side: str | None) -> set[str]:
    """The identities the words name for an object of the side (None: of either side)."""
    identities: set[str] = set()
    for word in words:
        if word in _ANY_SIDE:
            identities |= _ANY_SIDE[word]
        else:
            sides = [side] if side else ["x", "y"]
            identities |= {i for s in sides for i in _BY_SIDE[word][s]}
    return identities


@dataclass(frozen=True)
class E:
    """One URL name's expectations: who may GET it, who may POST to it (None: the view takes
    no POST, so none is sent), the kind of object each `<int:…>` path parameter takes
    (`provider_id`, `program_id` and `group_id` say it themselves), fixed values of the
    other parameters, the POST's form (a value naming a kind of object is that side's id),
    a query string, and `ignores`: the view answers a POST naming someone else's objects as
    it answers any, acting on none of them (so a refusal may be that answer; nothing may
    change)."""

    get: frozenset[str]
    post: frozenset[str] | None = None
    pk: str = ""
    fixed: dict[str, str] = field(default_factory=dict)
    body: dict[str, object] = field(default_factory=dict)
    ignores: bool = False
    query: str = ""  # e.g. "?status=all": the widest view of a list
    # An API operation: the POST's body goes as JSON with an Idempotency-Key, and the
    # anonymous caller is refused with 401 instead of the log-in page.
    api: bool = False


INVOICE_DOCUMENT = {"kind": "invoice_pdf"}
NO_SUCH_ID = 2**31 - 1
MONTH = {"month": "2026-10"}
TOKEN = {"token": "no-such-token"}

MATRIX: dict[str, E] = {
    "admin": E(NOBODY),  # the superuser's alone: test_admin_is_the_superusers_alone
    "home": E(EVERYONE),
    "healthz": E(EVERYONE),
    "favicon": E(EVERYONE),
    "healthz-session": E(EVERYONE),
    "accounts:register": E(EVERYONE, EVERYONE),
    "accounts:login": E(EVERYONE, EVERYONE),
    "accounts:logout": E(NOBODY, EVERYONE),
    "accounts:confirm_email_resend": E(NOBODY, LOGGED_IN),
    "accounts:confirm_email": E(EVERYONE, fixed=TOKEN),
    "accounts:register_done": E(EVERYONE),
    "accounts:consent": E(EVERYONE),
    "accounts:consent_accept": E(LOGGED_IN, LOGGED_IN),
    "accounts:password_reset": E(EVERYONE, EVERYONE),
    "accounts:password_reset_done": E(EVERYONE),
    # A link that is not valid: the page says so to anyone and takes no new password.
    "accounts:password_reset_confirm": E(
        EVERYONE, fixed={"uidb64": "MQ", "token": "no-such-token"}
    ),
    "accounts:password_reset_complete": E(EVERYONE),
    "accounts:password_change": E(LOGGED_IN, LOGGED_IN),
    "accounts:password_change_done": E(LOGGED_IN),
    "accounts:profile": E(LOGGED_IN, LOGGED_IN),
    "accounts:email_change": E(NOBODY, LOGGED_IN),
    # A link that is not valid: the page says so to anyone and changes nothing.
    "accounts:email_change_confirm": E(EVERYONE, fixed=TOKEN),
    "cabinet:home": E(frozenset({ANY_PARENT})),
    "cabinet:my_data": E(frozenset({ANY_PARENT})),
    "cabinet:my_data_export": E(frozenset({ANY_PARENT})),
    "cabinet:my_data_delete": E(NOBODY, frozenset({ANY_PARENT})),
    "cabinet:child_detail": E(frozenset({PARENT}), pk="child"),
    "cabinet:statement": E(frozenset({PARENT}), pk="child", fixed=MONTH),
    "cabinet:statement_pdf": E(frozenset({PARENT}), pk="child", fixed=MONTH),
    "cabinet:child_calendar": E(frozenset({PARENT}), pk="child"),
    "cabinet:calendar_feed": E(frozenset({ANY_PARENT}), frozenset({ANY_PARENT})),
    "cabinet:calendar_feed_revoke": E(NOBODY, frozenset({ANY_PARENT})),
    # The feed answers its token alone, without a session: a wrong one is 404 for everyone.
    "cabinet:calendar_ics": E(NOBODY, fixed=TOKEN),
    "families:child_add": E(frozenset({ANY_PARENT}), frozenset({ANY_PARENT})),
    "families:child_correction": E(frozenset({PARENT}), frozenset({PARENT}), pk="child"),
    "families:guardians": E(frozenset({ANY_PARENT}), frozenset({ANY_PARENT})),
    "families:guardian_invitation_revoke": E(NOBODY, frozenset({PARENT}), pk="guardian_invitation"),
    # A link that is not valid: the page says so to anyone and accepts nothing.
    "families:invitation": E(EVERYONE, EVERYONE, fixed=TOKEN),
    "catalog:list": E(EVERYONE),
    "catalog:program_detail": E(EVERYONE, pk="program"),
    "provider_import:page": E(frozenset({ADMIN}), frozenset({ADMIN})),
    # The blank template: nothing of anyone's in it.
    "provider_import:template": E(frozenset({PROVIDER_ROLE})),
    "provider:join": E(EVERYONE, EVERYONE),
    "provider:join_done": E(EVERYONE),
    "provider:invitation": E(EVERYONE, EVERYONE, fixed=TOKEN),
    "provider:invitation_revoke": E(NOBODY, frozenset({ADMIN}), pk="invitation"),
    "provider:profile_edit": E(frozenset({ADMIN}), frozenset({ADMIN})),
    "provider:resubmit": E(NOBODY, frozenset({ADMIN})),
    "provider:staff": E(frozenset({ADMIN}), frozenset({ADMIN})),
    "provider:home": E(frozenset({PROVIDER_ROLE})),
    "provider:program_create": E(frozenset({ADMIN}), frozenset({ADMIN})),
    "provider:program_detail": E(frozenset({MEMBER}), pk="program"),
    "provider:program_edit": E(frozenset({ADMIN}), frozenset({ADMIN}), pk="program"),
    "provider:program_submit": E(NOBODY, frozenset({ADMIN}), pk="program"),
    "provider:program_archive": E(NOBODY, frozenset({ADMIN}), pk="program"),
    "provider:group_create": E(frozenset({ADMIN}), frozenset({ADMIN})),
    "provider:group_edit": E(frozenset({ADMIN}), frozenset({ADMIN}), pk="group"),
    "provider:invoices": E(frozenset({ADMIN})),
    "provider:invoice_document": E(frozenset({ADMIN}), pk="invoice", fixed=INVOICE_DOCUMENT),
    "billing:month_list": E(OPERATORS),
    "billing:month_close": E(NOBODY, OPERATORS),
    "billing:closure_detail": E(OPERATORS, pk="closure"),
    "billing:month_close_continue": E(NOBODY, OPERATORS, pk="closure"),
    "advances:list": E(ANY_OPERATORS),
    # The side's provider, paid by its operator's certificates: refused (no advances in the
    # scene's rules), so nothing is written whoever posts.
    "advances:pay": E(NOBODY, OPERATORS, body={"municipality": "municipality"}),
    "periods:list": E(OPERATORS),
    "oversight:home": E(ANY_OPERATORS),
    "oversight:applications_overdue": E(ANY_OPERATORS),
    "oversight:register": E(ANY_OPERATORS, ANY_OPERATORS, fixed={"slug": "children"}),
    "oversight:register_export": E(ANY_OPERATORS, fixed={"slug": "children"}),
    "oversight:audit": E(ANY_OPERATORS),
    "oversight:corrections": E(ANY_OPERATORS),
    "oversight:correction_detail": E(OPERATORS, pk="correction"),
    "oversight:correction_approve": E(NOBODY, OPERATORS, pk="correction"),
    # Posted empty: refused with what to write, nothing changes.
    "oversight:correction_reject": E(NOBODY, OPERATORS, pk="correction"),
    "oversight:audit_export": E(ANY_OPERATORS),
    "reports:index": E(ANY_OPERATORS),
    "reports:population": E(ANY_OPERATORS, ANY_OPERATORS),
    "reports:report": E(ANY_OPERATORS, fixed={"name": "coverage-age"}),
    "reports:report_xlsx": E(ANY_OPERATORS, fixed={"name": "coverage-age"}),
    "reports:financing": E(ANY_OPERATORS),
    "reports:financing_edit": E(OPERATORS, OPERATORS, pk="financing"),
    "reports:financing_next": E(NOBODY, OPERATORS, pk="financing"),
    "periods:detail": E(OPERATORS, pk="financing"),
    "periods:close": E(NOBODY, OPERATORS, pk="financing"),
    "payments:registry": E(OPERATORS),
    "payments:export_xlsx": E(OPERATORS),
    "payments:export_bank": E(OPERATORS),
    "payments:statement": E(NOBODY, OPERATORS),
    "payments:approve": E(NOBODY, OPERATORS, pk="invoice"),
    "payments:pay": E(NOBODY, OPERATORS, pk="invoice"),
    "payments:reverse": E(NOBODY, OPERATORS, pk="invoice"),
    "operator:queue": E(OPERATORS),
    "operator:provider_detail": E(OPERATORS, pk="provider"),
    "operator:provider_approve": E(NOBODY, OPERATORS, pk="provider"),
    "operator:provider_reject": E(NOBODY, OPERATORS, pk="provider"),
    "operator:program_detail": E(OPERATORS, pk="program"),
    "operator:program_approve": E(NOBODY, OPERATORS, pk="program"),
    "operator:program_return": E(NOBODY, OPERATORS, pk="program"),
    "operator:invoice_document": E(OPERATORS, pk="invoice", fixed=INVOICE_DOCUMENT),
    "enrollment:apply": E(frozenset({ANY_PARENT}), frozenset({ANY_PARENT})),
    "enrollment:application_list": E(frozenset({ANY_PARENT})),
    "enrollment:application_detail": E(frozenset({PARENT}), pk="application"),
    "enrollment:offer_accept": E(NOBODY, frozenset({PARENT}), pk="application"),
    "enrollment:application_cancel": E(NOBODY, frozenset({PARENT}), pk="application"),
    "enrollment:application_withdraw": E(
        frozenset({PARENT}), frozenset({PARENT}), pk="application"
    ),
    "enrollment:contract_pdf": E(frozenset({PARENT}) | STAFF, pk="application"),
    "enrollment:provider_queue": E(frozenset({PROVIDER_ROLE}), query="?status=all"),
    "enrollment:provider_bulk_accept": E(
        NOBODY, STAFF, body={"application": "application"}, ignores=True
    ),
    "enrollment:provider_accept": E(NOBODY, STAFF, pk="application"),
    "enrollment:provider_reject": E(STAFF, STAFF, pk="application"),
    "enrollment:provider_withdraw": E(STAFF, STAFF, pk="application"),
    "enrollment:window_list": E(OPERATORS | {PROVIDER_ROLE}),
    "enrollment:window_program": E(OPERATORS | {ADMIN}, OPERATORS | {ADMIN}),
    "enrollment:window_group": E(OPERATORS | {ADMIN}, OPERATORS | {ADMIN}),
    "attendance:my_groups": E(frozenset({PROVIDER_ROLE})),
    "attendance:journal": E(STAFF, pk="group", query="?month=2026-10"),
    "attendance:journal_xlsx": E(STAFF, pk="group"),
    "attendance:contracts_xlsx": E(frozenset({PROVIDER_ROLE})),
    "attendance:lesson": E(STAFF, pk="lesson"),
    "attendance:lesson_change": E(STAFF, STAFF, pk="lesson"),
    "attendance:mark_all_present": E(NOBODY, STAFF, pk="lesson"),
    "attendance:mark": E(
        NOBODY, STAFF, body={"lesson": "lesson", "contract": "contract", "present": "1"}
    ),
    "notifications:list": E(LOGGED_IN),
    "notifications:read_all": E(NOBODY, LOGGED_IN),
    "api_tokens:list": E(LOGGED_IN, LOGGED_IN),
    # Nobody's token 1 exists in the scene: everyone gets 404 (ownership: api/tests).
    "api_tokens:revoke": E(NOBODY, NOBODY, fixed={"pk": "1"}),
    # The API (api/tests checks each operation group in depth; here: who gets in at all).
    "api:openapi-json": E(EVERYONE),
    "api:openapi-view": E(EVERYONE),
    "api:api-root": E(NOBODY),
    "api:program_list": E(EVERYONE, api=True),
    "api:program_detail": E(EVERYONE, api=True),
    "api:group_detail": E(EVERYONE, api=True),
    "api:group_list": E(EVERYONE, api=True),
    "api:lesson_sync": E(EVERYONE, api=True),
    "api:me": E(LOGGED_IN, api=True),
    "api:child_list": E(frozenset({ANY_PARENT}), api=True),
    "api:certificate_detail": E(frozenset({PARENT}), pk="child", api=True),
    **dict.fromkeys(
        ("api:application_list", "api:application_create"),
        E(
            frozenset({ANY_PARENT}),
            frozenset({PARENT}),
            body={"child_id": "child", "group_id": "group"},
            api=True,
        ),
    ),
    "api:application_detail": E(frozenset({PARENT}), pk="application", api=True),
    "api:application_cancel": E(NOBODY, frozenset({PARENT}), pk="application", api=True),
    "api:offer_accept": E(NOBODY, frozenset({PARENT}), pk="application", api=True),
    "api:application_withdraw": E(
        NOBODY,
        frozenset({PARENT}),
        pk="application",
        body={"on": "2026-11-06", "reason": "Переезд"},
        api=True,
    ),
    # The provider's operations (api/tests/test_provider_api.py checks each in depth). Bulk
    # bodies name an id nobody has: the answer is per id, for anyone who may call it.
    "api:provider_program_list": E(frozenset({PROVIDER_ROLE}), api=True),
    "api:provider_program_detail": E(frozenset({MEMBER}), pk="program", api=True),
    "api:provider_group_list": E(frozenset({PROVIDER_ROLE}), api=True),
    "api:provider_group_detail": E(frozenset({MEMBER}), api=True),
    "api:provider_lesson_list": E(frozenset({MEMBER}), api=True),
    "api:provider_application_list": E(frozenset({PROVIDER_ROLE}), api=True),
    "api:provider_application_accept_bulk": E(
        NOBODY, frozenset({PROVIDER_ROLE}), body={"ids": [NO_SUCH_ID]}, api=True
    ),
    "api:provider_application_reject_bulk": E(
        NOBODY,
        frozenset({PROVIDER_ROLE}),
        body={"ids": [NO_SUCH_ID], "reason": "Нет мест"},
        api=True,
    ),
    **dict.fromkeys(
        ("api:provider_journal", "api:provider_attendance_mark_bulk"),
        E(
            STAFF,
            STAFF,
            query="?month=2026-10",
            body={"marks": [{"lesson_id": NO_SUCH_ID, "contract_id": NO_SUCH_ID, "present": True}]},
            api=True,
        ),
    ),
    "api:provider_contract_list": E(frozenset({PROVIDER_ROLE}), api=True),
    "api:provider_invoice_list": E(frozenset({ADMIN}), api=True),
    "api:provider_invoice_detail": E(frozenset({ADMIN}), pk="invoice", api=True),
    "api:provider_invoice_document": E(
        frozenset({ADMIN}), pk="invoice", fixed=INVOICE_DOCUMENT, api=True
    ),
    "api:provider_payment_list": E(frozenset({ADMIN}), api=True),
    "api:provider_advance_list": E(frozenset({ADMIN}), api=True),
    # The operator's operations (api/tests/test_operator_api.py). October is closed in the
    # scene and its programs and providers decided: a decision is «not now» (409).
    "api:operator_moderation_queue": E(ANY_OPERATORS, api=True),
    "api:operator_program_detail": E(OPERATORS, pk="program", api=True),
    "api:operator_program_approve": E(NOBODY, OPERATORS, pk="program", api=True),
    "api:operator_program_return": E(
        NOBODY, OPERATORS, pk="program", body={"remarks": "Уточните возраст"}, api=True
    ),
    "api:operator_provider_detail": E(OPERATORS, pk="provider", api=True),
    "api:operator_provider_approve": E(NOBODY, OPERATORS, pk="provider", api=True),
    "api:operator_provider_reject": E(
        NOBODY, OPERATORS, pk="provider", body={"reason": "Нет лицензии"}, api=True
    ),
    "api:operator_financing_list": E(ANY_OPERATORS, api=True),
    **dict.fromkeys(
        ("api:operator_financing_detail", "api:operator_financing_change"),
        E(OPERATORS, pk="financing", api=True),
    ),
    **dict.fromkeys(
        ("api:operator_month_list", "api:operator_month_close"),
        E(
            ANY_OPERATORS,
            OPERATORS,
            body={"month": "2026-10", "municipality": "municipality"},
            api=True,
        ),
    ),
    "api:operator_month_close_progress": E(OPERATORS, pk="closure", api=True),
    "api:operator_month_close_continue": E(NOBODY, OPERATORS, pk="closure", api=True),
    **dict.fromkeys(
        (
            "api:operator_report_coverage",
            "api:operator_report_certificates",
            "api:operator_report_money",
            "api:operator_report_providers",
            "api:operator_report_programs",
        ),
        E(ANY_OPERATORS, api=True),
    ),
    "api:notification_page": E(LOGGED_IN, api=True),
    # An operator gets their own municipality's package, the regional administrator all.
    "api:navigator": E(ANY_OPERATORS, api=True),
    # Marks the caller's own notification 1, if it is theirs: nobody else's changes.
    "api:notification_read": E(
        NOBODY, LOGGED_IN, fixed={"notification_id": "1"}, ignores=True, api=True
    ),
}

_KIND_OF_PARAMETER = {
    "provider_id": "provider",
    "program_id": "program",
    "group_id": "group",
    "child_id": "child",
    "application_id": "application",
}
ADMIN_URLS = ("/admin/", "/admin/families/child/", "/admin/certificates/certificate/")


def url_patterns(
    resolver: URLResolver | None = None, namespace: str = ""
) -> Iterator[tuple[str, URLPattern | None]]:
    """(name, pattern) of every URL the resolver knows, recursively; /admin/ as one entry."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                yield "admin", None
                continue
            inner = entry.namespace or ""
            yield from url_patterns(entry, ":".join(n for n in (namespace, inner) if n))
        else:
            yield (f"{namespace}:{entry.name}" if namespace else str(entry.name)), entry


@dataclass(frozen=True)
class Request:
    name: str
    side: str | None
    url: str
    method: str
    may: set[str]
    body: dict[str, object]
    ignores: bool
    api: bool = False

    def send(self, client: Client) -> HttpResponse:
        if not self.api or self.method == "get":
            return getattr(client, self.method)(self.url, self.body)
        return client.post(
            self.url,
            json.dumps(self.body),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )


def _names_object(value: object, scene: Scene) -> bool:
    """Whether a body's value names a kind of object (a bulk operation's list does not)."""
    return isinstance(value, str) and value in scene.objects


def requests_of(scene: Scene) -> Iterator[Request]:
    """Every URL of the resolver, filled for each side, with who may GET and POST it."""
    for name, pattern in url_patterns():
        if pattern is None:
            continue
        assert name in MATRIX, f"URL pattern «{name}» has no entry in MATRIX: add one"
        entry = MATRIX[name]
        parameters = [p for p in pattern.pattern.converters if p not in entry.fixed]
        objects = [kind for kind in entry.body.values() if _names_object(kind, scene)]
        for side in ("x", "y") if parameters or objects else (None,):
            kwargs: dict[str, object] = dict(entry.fixed)
            for parameter in parameters:
                kind = _KIND_OF_PARAMETER.get(parameter) or entry.pk
                assert side is not None and kind, f"{name}: say which object «{parameter}» takes"
                kwargs[parameter] = scene.objects[kind][side]
            url = reverse(name, kwargs=kwargs) + entry.query
            body: dict[str, object] = {
                key: scene.objects[value][side] if _names_object(value, scene) else value
                for key, value in entry.body.items()
                if side is not None or not _names_object(value, scene)
            }
            yield Request(name, side, url, "get", who(entry.get, side), {}, False, entry.api)
            if entry.post is not None:
                post = who(entry.post, side)
                yield Request(name, side, url, "post", post, body, entry.ignores, entry.api)


def _writes() -> int:
    """Rows written so far by this connection (its transaction on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        else:
            cursor.execute(
                "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                " FROM pg_stat_xact_user_tables"
            )
        return int(cursor.fetchone()[0])


def _to_login(response: HttpResponse) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse(settings.LOGIN_URL) if ":" in settings.LOGIN_URL else settings.LOGIN_URL
    )


def _refused(response: HttpResponse, identity: str, request: Request) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    if identity == "anonymous":
        return response.status_code == 401 if request.api else _to_login(response)
    if request.api:
        # The API names no one's objects to a caller who may not see them: 403 or 404 above;
        # an operation that ignores others' objects answers as for anyone.
        return request.ignores and response.status_code == 200
    return request.ignores and response.status_code == 302


def _allowed(response: HttpResponse) -> bool:
    """Served: a page, a file or a redirect; or the form back with what to fix (400), or
    «not now» (409: an offer already accepted), or handed to the worker (202: a month close)
    — answers to someone who may ask."""
    if _to_login(response):
        return False
    return response.status_code in {200, 201, 202, 204, 301, 302, 303, 400, 409}


def _children_named(response: HttpResponse) -> set[str]:
    if not response.get("Content-Type", "").startswith("text/"):
        return set()
    body = response.content.decode(errors="replace")
    return {side for side, surname in SURNAMES.items() if surname in body}


def _clients(scene: Scene) -> dict[str, Client]:
    clients = {}
    for identity in IDENTITIES:
        client = Client()
        if scene.users[identity] is not None:
            client.force_login(scene.users[identity])
        clients[identity] = client
    return clients


def test_every_url_name_has_an_entry():
    missing = sorted({name for name, _ in url_patterns()} - set(MATRIX))
    assert not missing, f"URL patterns without an entry in MATRIX: {', '.join(missing)}"
    stale = sorted(set(MATRIX) - {name for name, _ in url_patterns()})
    assert not stale, f"MATRIX entries for URLs that no longer exist: {', '.join(stale)}"


@pytest.fixture
def quiet_refusals():
    """Django logs each 4xx with its traceback; a thousand refusals are the point here, so only
    errors (a 500) are logged."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def test_access_matrix(db, time_machine, quiet_refusals):
    started = time.monotonic()
    scene = scene_make(time_machine)
    clients = _clients(scene)
    requests = list(requests_of(scene))
    problems: list[str] = []
    sent = 0
    allowed_posts = []
    # Refused requests and allowed GETs change nothing, so they go first, in any order.
    for request in requests:
        for identity in IDENTITIES:
            may = identity in request.may
            if may and request.method == "post":
                allowed_posts.append((request, identity))
                continue
            before = _writes()
            response = request.send(clients[identity])
            sent += 1
            label = f"{request.method.upper()} {request.url} ({request.name}) as {identity}"
            if may and not _allowed(response):
                problems.append(f"{label}: {response.status_code}, but may")
            if not may:
                if not _refused(response, identity, request):
                    problems.append(f"{label}: {response.status_code}, must be refused")
                if _writes() != before:
                    problems.append(f"{label}: refused, yet changed the database")
            for side in _children_named(response):
                if identity not in _SEES_CHILD[side]:
                    problems.append(f"{label}: names the child of side {side}")
    # Allowed POSTs act (accept, archive, close…): last, each as its own request.
    for request, identity in allowed_posts:
        response = request.send(clients[identity])
        sent += 1
        if not _allowed(response):
            problems.append(
                f"POST {request.url} ({request.name}) as {identity}: "
                f"{response.status_code}, but may"
            )
        user = scene.users[identity]
        if user is not None and "_auth_user_id" not in clients[identity].session:
            clients[identity].force_login(user)  # after logging out
    elapsed = time.monotonic() - started
    print(
        f"\naccess matrix: {len({r.name for r in requests})} URL names, "
        f"{len(requests)} requests (URL × side × method) × {len(IDENTITIES)} identities: "
        f"{sent} sent in {elapsed:.1f} s, {len(problems)} problems"
    )
    print("\n".join(problems))
    assert not problems, f"{len(problems)} problems, listed above"


def test_admin_is_the_superusers_alone(db, time_machine):
    scene = scene_make(time_machine)
    clients = _clients(scene)
    root = Client()
    root.force_login(scene.superuser)
    problems = []
    for url in ADMIN_URLS:
        assert root.get(url).status_code == 200, url
        for identity, client in clients.items():
            response = client.get(url)
            if response.status_code == 200:
                problems.append(f"GET {url} as {identity}: 200")
            for side in _children_named(response):
                if identity not in _SEES_CHILD[side]:
                    problems.append(f"GET {url} as {identity}: names the child of side {side}")
    assert not problems, "\n".join(problems)


def test_the_write_counter_sees_an_update_and_an_insert(db):
    """What `_writes` misses, the matrix would miss: an UPDATE and an INSERT both count."""
    before = _writes()
    municipality = Municipality.objects.create(name="Проверочный округ")
    inserted = _writes()
    Municipality.objects.filter(pk=municipality.pk).update(name="Переименованный округ")
    assert before < inserted < _writes()
