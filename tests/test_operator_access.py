"""Every operator URL, walked as an operator of another municipality, as a provider's staff
and as a parent: the first never reaches the municipality's objects (403/404) and changes
nothing, the others are refused outright (403).

The walk reads the URL configuration, so a new operator page without an entry in ARGUMENTS
fails here until its access is thought through."""

import pytest
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver

from kruzhok.accounts.models import Role
from kruzhok.billing.models import Invoice, InvoiceStatus, MonthClosure
from kruzhok.billing.tests.payment_scene import closed_october
from kruzhok.catalog import moderation as program_moderation
from kruzhok.catalog.models import Program, ProgramState
from kruzhok.common.models import Municipality
from kruzhok.enrollment.tests.world import program_make, user_make
from kruzhok.families.corrections import child_correction_request
from kruzhok.families.models import ChildCorrection
from kruzhok.providers import joining
from kruzhok.providers.models import Provider, ProviderStatus
from kruzhok.providers.tests.data import join_arguments

pytestmark = pytest.mark.django_db


def _operator_routes() -> list[tuple[str, str]]:
    """(route, name) of every page under /operator/ and of the enrolment windows."""

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), f"{namespace}:{p.name}"

    return [
        (route, name)
        for route, name in walk(get_resolver().url_patterns)
        if route.startswith(("operator/", "enrollment/windows/"))
    ]


# name -> (what its arguments are, whether it writes: then it is also POSTed). A GET of a
# page that only writes answers 405 (Method Not Allowed) before anything else, for anyone.
ARGUMENTS = {
    "billing:month_list": ((), False),
    "billing:month_close": ((), True),
    "billing:closure_detail": (("closure",), False),
    "periods:list": ((), False),
    "periods:detail": (("financing",), False),
    "periods:close": (("financing",), True),
    "payments:registry": ((), False),
    "payments:export_xlsx": ((), False),
    "payments:export_bank": ((), False),
    "payments:statement": ((), True),
    "payments:approve": (("invoice",), True),
    "payments:pay": (("invoice",), True),
    "payments:reverse": (("invoice",), True),
    "operator:queue": ((), False),
    "operator:provider_detail": (("provider",), False),
    "operator:provider_approve": (("provider",), True),
    "operator:provider_reject": (("provider",), True),
    "operator:program_detail": (("program",), False),
    "operator:program_approve": (("program",), True),
    "operator:program_return": (("program",), True),
    "operator:invoice_document": (("invoice", "kind"), False),
    "oversight:home": ((), False),
    "oversight:applications_overdue": ((), False),
    "oversight:register": (("slug",), True),
    "oversight:register_export": (("slug",), False),
    "oversight:audit": ((), False),
    "oversight:corrections": ((), False),
    "oversight:correction_detail": (("correction",), False),
    "oversight:correction_approve": (("correction",), True),
    "oversight:correction_reject": (("correction",), True),
    "oversight:audit_export": ((), False),
    "billing:month_close_continue": (("closure",), True),
    "advances:list": ((), False),
    "advances:pay": (("provider",), True),
    "reports:index": ((), False),
    "reports:population": ((), True),
    "reports:report": (("report",), False),
    "reports:report_xlsx": (("report",), False),
    "reports:financing": ((), False),
    "reports:financing_edit": (("financing",), True),
    "reports:financing_next": (("financing",), True),
    "enrollment:window_list": ((), False),
    "enrollment:window_program": (("program",), True),
    "enrollment:window_group": (("group",), True),
}


POST_ONLY = {
    "oversight:correction_approve",
    "oversight:correction_reject",
    "billing:month_close",
    "billing:month_close_continue",
    "advances:pay",
    "reports:financing_next",
    "periods:close",
    "payments:statement",
    "payments:approve",
    "payments:pay",
    "payments:reverse",
    "operator:provider_approve",
    "operator:provider_reject",
    "operator:program_approve",
    "operator:program_return",
}


@pytest.fixture
def scene(time_machine):
    """October closed in the world's municipality (two issued invoices), a provider and a
    program waiting for moderation there, and another municipality with its operator."""
    world, _operator, invoices = closed_october(time_machine)
    staff = joining.provider_join(**join_arguments(world.municipality))
    program = program_make(staff.provider, title="Лего")
    program.state = ProgramState.DRAFT
    program.save(update_fields=["state"])
    program_moderation.program_submit(actor=staff.user, program=program)
    elsewhere = Municipality.objects.create(name="Левокумский муниципальный округ")
    correction = child_correction_request(
        parent=world.parent,
        child=world.child,
        field="birth_date",
        new_value=world.child.birth_date.replace(day=21),
        reason="Ошибка в дне рождения",
    )
    objects = {
        "correction": correction.pk,
        "closure": MonthClosure.objects.get(municipality=world.municipality).pk,
        "financing": world.financing.pk,
        "invoice": invoices[0].pk,
        "provider": staff.provider.pk,
        "program": program.pk,
        "group": world.group.pk,
        "kind": "invoice_pdf",
        "slug": "children",
        "report": "coverage-age",
    }
    return {
        "world": world,
        "objects": objects,
        "outsider": user_make(Role.OPERATOR, elsewhere),
        "staff": staff,
    }


def _url(name: str, objects: dict) -> str:
    kinds, _writes = ARGUMENTS[name]
    return reverse(name, args=[objects[k] for k in kinds])


def test_every_operator_route_is_in_the_walk():
    names = {name for _route, name in _operator_routes()}
    assert names == set(ARGUMENTS), "a new operator page: add it to ARGUMENTS"


def _requests(objects):
    for _route, name in _operator_routes():
        url = _url(name, objects)
        if name not in POST_ONLY:
            yield "get", url, name
        if ARGUMENTS[name][1]:
            yield "post", url, name


# Enrolment windows are the provider administrators' pages too (each their own programs'),
# so providers' staff reach them; enrollment's tests hold them to their own provider.
SHARED_WITH_PROVIDERS = {
    "enrollment:window_list",
    "enrollment:window_program",
    "enrollment:window_group",
}


@pytest.mark.parametrize("who", ["parent", "admin", "teacher", "applicant"])
def test_parents_and_providers_staff_are_refused_everywhere(client, scene, who):
    user = scene["staff"].user if who == "applicant" else getattr(scene["world"], who)
    client.force_login(user)
    for method, url, name in _requests(scene["objects"]):
        if who != "parent" and name in SHARED_WITH_PROVIDERS:
            continue
        response = getattr(client, method)(url)
        assert response.status_code == 403, (method, name, response.status_code)


def test_another_municipalitys_operator_reaches_no_object_and_changes_nothing(client, scene):
    client.force_login(scene["outsider"])
    objects = scene["objects"]
    municipality = scene["world"].municipality.pk
    for method, url, name in _requests(objects):
        kinds, _writes = ARGUMENTS[name]
        owned = [k for k in kinds if k not in ("kind", "slug", "report")]
        if not owned:
            # A page of the operator's own municipality; asked for the other one, it refuses.
            response = getattr(client, method)(url, {"municipality": municipality})
            if name.startswith(("billing:", "periods:", "payments:", "advances:", "reports:")):
                assert response.status_code == 404, (method, name, response.status_code)
            else:
                # 400: a СНИЛС search posted empty is refused with what to fill in.
                assert response.status_code in (200, 302, 400), (method, name)
            continue
        response = getattr(client, method)(url)
        assert response.status_code in (403, 404), (method, name, response.status_code)
    assert Provider.objects.get(pk=objects["provider"]).status == ProviderStatus.MODERATING
    assert Program.objects.get(pk=objects["program"]).state == ProgramState.MODERATING
    assert not Invoice.objects.exclude(status=InvoiceStatus.ISSUED).exists()
    assert ChildCorrection.objects.get(pk=objects["correction"]).status == "pending"


def test_another_municipalitys_operator_sees_none_of_its_rows(client, scene):
    world = scene["world"]
    client.force_login(scene["outsider"])
    marks = [world.provider.short_name, world.child.snils_masked, world.program.title]
    for slug in ("certificates", "children", "contracts", "providers", "programs"):
        page = client.get(reverse("oversight:register", args=[slug])).content.decode()
        assert not [m for m in marks if m in page], slug
    today = client.get(reverse("oversight:home")).context["today"]
    assert today.to_moderate == 0 and today.invoices_to_approve == 0 and not today.financing
