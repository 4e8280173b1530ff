"""/admin/ is the superuser's tool: an operator (even one with `is_staff` and every model
right) gets no admin page, and the superuser reads money, lessons, staff and contracts
without being able to change them, in Russian, with money in rubles."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from kruzhok.accounts.models import Role, User
from kruzhok.attendance.services import attendance_mark
from kruzhok.catalog.models import Lesson
from kruzhok.common.money import format_kopecks
from kruzhok.enrollment.models import Contract
from kruzhok.enrollment.tests.world import TODAY, contract_made, user_make

pytestmark = pytest.mark.django_db

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)

# Models that hold money, lessons, staff or contracts: never added, changed or deleted by hand.
READ_ONLY = {
    "attendance.attendancemark",
    "billing.monthclosure",
    "billing.periodclosure",
    "catalog.group",
    "catalog.lesson",
    "catalog.program",
    "certificates.account",
    "certificates.certificate",
    "certificates.financingprogram",
    "certificates.hold",
    "certificates.transfer",
    "common.auditevent",
    "enrollment.application",
    "enrollment.charge",
    "enrollment.contract",
    "families.guardianship",
    "providers.provider",
}


@pytest.fixture
def superuser():
    return User.objects.create_superuser(
        "root@example.ru", "пароль-суперпользователя", last_name="Корнев", first_name="Иван"
    )


@pytest.fixture
def charged(world):
    contract = contract_made(world)
    lesson = world.group.lessons.get(date=TODAY)
    attendance_mark(actor=world.teacher, lesson=lesson, contract=contract, present=True)
    return contract


def test_an_operator_with_every_model_right_gets_no_admin_page(client, charged, world):
    operator = user_make(Role.OPERATOR, world.municipality)
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    operator.user_permissions.set(Permission.objects.all())
    client.force_login(operator)
    lesson = Lesson.objects.get(group=world.group, date=TODAY)
    pages = [
        reverse("admin:index"),
        reverse("admin:enrollment_contract_changelist"),
        reverse("admin:enrollment_contract_change", args=[charged.pk]),
        reverse("admin:families_child_changelist") + f"?q={world.child.snils}",
        reverse("admin:catalog_lesson_change", args=[lesson.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url
    response = client.post(
        reverse("admin:catalog_lesson_change", args=[lesson.pk]),
        {"group": world.group.pk, "date": "2026-12-01", "start_time": "15:00", "hours": "2"},
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.date == TODAY


def test_the_superuser_reads_a_contract_in_rubles_and_cannot_change_it(client, superuser, charged):
    client.force_login(superuser)
    listing = client.get(reverse("admin:enrollment_contract_changelist")).content.decode()
    assert format_kopecks(charged.total_cost) in listing
    change_url = reverse("admin:enrollment_contract_change", args=[charged.pk])
    page = client.get(change_url).content.decode()
    assert format_kopecks(charged.certificate_part) in page
    assert 'name="total_cost"' not in page
    assert client.post(change_url, {"total_cost": "1"}).status_code == 403
    assert Contract.objects.get(pk=charged.pk).total_cost == charged.total_cost


def _admins():
    """The portal's own admins (not those of the libraries it uses), by model label."""
    ours = [
        item for item in admin.site._registry.items() if item[0].__module__.startswith("kruzhok.")
    ]
    return sorted(ours, key=lambda item: item[0]._meta.label_lower)


@pytest.mark.parametrize(
    ("label", "model_admin"),
    [(model._meta.label_lower, model_admin) for model, model_admin in _admins()],
)
def test_every_admin_column_and_field_has_a_russian_label(superuser, label, model_admin):
    # The change page of an existing row (a new user's form asks for passwords, Django's own).
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model = model_admin.model
    instance = model.objects.first() or model()
    names = [*model_admin.get_list_display(request), *model_admin.get_fields(request, instance)]
    for name in names:
        text = str(label_for_field(name, model, model_admin))
        assert CYRILLIC.search(text), f"{label}.{name} is labelled «{text}»"


@pytest.mark.parametrize("label", sorted(READ_ONLY))
def test_money_lessons_staff_and_contracts_are_read_only(superuser, label):
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label_lower == label)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    for inline in model_admin.get_inline_instances(request):
        assert not inline.has_add_permission(request, None)
        assert not inline.has_change_permission(request)
