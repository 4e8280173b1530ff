"""The import's pages: the template to download, the upload, and who may use them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kruzhok.catalog.models import Program
from kruzhok.catalog.tests.xlsx_files import GROUP, PROGRAM, xlsx
from kruzhok.enrollment.tests.world import provider_make
from kruzhok.providers.models import ProviderStatus

pytestmark = pytest.mark.django_db


def _upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "programs.xlsx",
        data,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def test_the_page_offers_the_template_and_imports_a_good_file(client, world):
    client.force_login(world.admin)
    page = client.get("/provider/import/").content.decode()
    assert "/provider/import/template.xlsx" in page
    template = client.get("/provider/import/template.xlsx")
    assert template.status_code == 200
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    response = client.post(
        reverse("provider_import:page"),
        {"provider": world.provider.pk, "file": _upload(xlsx([PROGRAM], [GROUP]))},
    )
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Загружено программ: 1, групп: 1" in page
    assert Program.objects.filter(title=PROGRAM["Название"], provider=world.provider).exists()


def test_the_page_lists_errors_by_sheet_row_and_column(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("provider_import:page"),
        {
            "provider": world.provider.pk,
            "file": _upload(xlsx([{**PROGRAM, "Возраст до, лет": 30}], [GROUP])),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Файл не загружен" in page and "Лист «Программы»" in page
    assert "H «Возраст до, лет»" in page and "от 5 до 18" in page
    assert not Program.objects.filter(title=PROGRAM["Название"]).exists()


def test_an_admin_cannot_import_into_another_provider(client, world):
    _, admin_y, _ = provider_make(world.municipality)
    client.force_login(admin_y)
    response = client.post(
        reverse("provider_import:page"),
        {"provider": world.provider.pk, "file": _upload(xlsx([PROGRAM]))},
    )
    assert response.status_code == 400
    assert not Program.objects.filter(title=PROGRAM["Название"]).exists()


def test_teachers_and_parents_cannot_open_the_import(client, world):
    client.force_login(world.teacher)
    assert client.get(reverse("provider_import:page")).status_code == 403
    client.force_login(world.parent)
    assert client.get(reverse("provider_import:page")).status_code == 403
    assert client.get(reverse("provider_import:template")).status_code == 403
    client.logout()
    assert client.get(reverse("provider_import:page")).status_code == 302


def test_the_journal_home_links_the_import_for_administrators_only(client, world):
    client.force_login(world.admin)
    assert (
        reverse("provider_import:page")
        in client.get(reverse("attendance:my_groups")).content.decode()
    )
    client.force_login(world.teacher)
    assert (
        reverse("provider_import:page")
        not in client.get(reverse("attendance:my_groups")).content.decode()
    )


def test_a_provider_awaiting_approval_cannot_open_or_post_the_import(client, world):
    world.provider.status = ProviderStatus.MODERATING
    world.provider.save(update_fields=["status"])
    client.force_login(world.admin)
    assert client.get(reverse("provider_import:page")).status_code == 403
    response = client.post(
        reverse("provider_import:page"),
        {"provider": world.provider.pk, "file": _upload(xlsx([PROGRAM]))},
    )
    assert response.status_code == 403
    assert not Program.objects.filter(title=PROGRAM["Название"]).exists()
