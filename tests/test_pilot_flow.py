"""The whole pilot path through the portal's pages, checked to the kopeck.

Register → add a child → find «Робототехника» by «робот» → apply → the provider accepts →
the parent sees the offer and accepts → a funded certificate is issued and the certificate part
reserved → the teacher marks today's lesson → the parent's cabinet shows every figure.
"""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from kruzhok.certificates import services as certificate_services
from kruzhok.certificates.models import Certificate
from kruzhok.common.models import Municipality
from kruzhok.common.money import format_kopecks
from kruzhok.common.validators import luhn_is_valid
from kruzhok.enrollment.models import Application, Contract
from kruzhok.enrollment.tests.world import TODAY, group_make, program_make, provider_make
from kruzhok.families.models import Child

PRICE_PER_HOUR = 150_00
NOMINAL = 5_000_00


def _rub(kopecks: int) -> str:
    return format_kopecks(kopecks)


def _lesson_dates(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Tuesdays and Thursdays from start to end, counted by hand (no holiday falls on one)."""
    days = []
    day = start
    while day <= end:
        if day.weekday() in (1, 3):
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


@pytest.mark.django_db
def test_a_parent_goes_from_registration_to_a_debit_in_the_cabinet(
    frozen_now, django_capture_on_commit_callbacks
):
    municipality = Municipality.objects.create(name="Нефтекумский городской округ")
    certificate_services.financing_program_create(
        municipality=municipality,
        title="ПФДО 2026/2027",
        period_start=datetime.date(2026, 9, 1),
        period_end=datetime.date(2027, 8, 31),
        max_funded_certificates=100,
        budget_cap=10_000_000_00,
        nominal_bands=[(5, 13, NOMINAL), (14, 18, 4_000_00)],
    )
    provider, admin, teacher = provider_make(municipality)
    program = program_make(provider, title="Робототехника", price_per_hour=PRICE_PER_HOUR)
    program_make(provider, title="Шахматы для начинающих", description="Дебюты и эндшпиль.")
    group = group_make(program, teacher, capacity=12)

    parent = Client()
    # 1. Registration; the confirmation letter leaves after the commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = parent.post(
            reverse("accounts:register"),
            {
                "last_name": "Петрова",
                "first_name": "Анна",
                "patronymic": "Сергеевна",
                "email": "Anna.Petrova@Example.ru",
                "phone": "8 (928) 000-12-34",
                "municipality": municipality.pk,
                "password1": "Kruzhok-2026!",
                "password2": "Kruzhok-2026!",
                "consent": "on",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == reverse("accounts:register_done")
    assert len(mail.outbox) == 1 and "anna.petrova@example.ru" in mail.outbox[0].to
    # The link in the letter confirms the address; then she logs in.
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/confirm/" in line)
    assert parent.get(link.removeprefix("http://testserver")).status_code == 302
    response = parent.post(
        reverse("accounts:login"),
        {"username": "anna.petrova@example.ru", "password": "Kruzhok-2026!"},
    )
    assert response.url == reverse("cabinet:home")

    # 2. A child with a valid СНИЛС (112-233-445 95); a wrong checksum is refused first.
    bad = parent.post(
        reverse("families:child_add"),
        {
            "last_name": "Петров",
            "first_name": "Михаил",
            "patronymic": "Андреевич",
            "birth_date": "2016-03-14",
            "snils": "112-233-445 96",
        },
    )
    assert bad.status_code in (200, 400)
    assert "Контрольное число СНИЛС не сходится" in bad.content.decode()
    assert 'value="Михаил"' in bad.content.decode()
    response = parent.post(
        reverse("families:child_add"),
        {
            "last_name": "Петров",
            "first_name": "Михаил",
            "patronymic": "Андреевич",
            "birth_date": "2016-03-14",
            "snils": "112-233-445 95",
        },
    )
    assert response.status_code == 302
    child = Child.objects.get(snils="11223344595")

    # 3. The catalogue finds «Робототехника» by «робот» and the program page shows the group.
    page = parent.get(reverse("catalog:list"), {"q": "робот", "age": 10}).content.decode()
    assert "Робототехника" in page
    assert "Шахматы" not in page
    page = parent.get(reverse("catalog:program_detail", args=[program.pk])).content.decode()
    assert provider.full_name in page
    assert group.name in page
    assert reverse("enrollment:apply", args=[group.pk]) in page

    # 4. Apply; the provider accepts; the parent sees the offer.
    response = parent.post(reverse("enrollment:apply", args=[group.pk]), {"child": child.pk})
    assert response.status_code == 302
    application = Application.objects.get(child=child)
    staff = Client()
    staff.force_login(admin)
    assert child.initials_name in staff.get(reverse("enrollment:provider_queue")).content.decode()
    staff.post(reverse("enrollment:provider_accept", args=[application.pk]))

    lessons = _lesson_dates(TODAY, group.end_date)
    total_cost = len(lessons) * 2 * PRICE_PER_HOUR  # two academic hours a lesson
    certificate_part = min(total_cost, NOMINAL)
    parent_part = total_cost - certificate_part
    assert (len(lessons), total_cost, certificate_part, parent_part) == (
        21,
        6_300_00,
        5_000_00,
        1_300_00,
    )
    offer_page = parent.get(
        reverse("enrollment:application_detail", args=[application.pk])
    ).content.decode()
    for figure in (total_cost, certificate_part, parent_part):
        assert _rub(figure) in offer_page

    # 5. Accepting the offer issues a funded certificate and reserves its part.
    assert not Certificate.objects.exists()
    response = parent.post(
        reverse("enrollment:offer_accept", args=[application.pk]), REMOTE_ADDR="198.51.100.4"
    )
    assert response.status_code == 302
    contract = Contract.objects.get()
    assert (contract.total_cost, contract.certificate_part, contract.parent_part) == (
        total_cost,
        certificate_part,
        parent_part,
    )
    certificate = Certificate.objects.get(child=child)
    assert re.fullmatch(r"26\d{9}", certificate.number) and luhn_is_valid(certificate.number)
    assert certificate.status == "funded" and certificate.nominal == NOMINAL

    # 6. The teacher marks today's lesson.
    lesson = group.lessons.get(date=TODAY)
    teacher_client = Client()
    teacher_client.force_login(teacher)
    response = teacher_client.post(
        reverse("attendance:mark"),
        {"lesson": lesson.pk, "contract": contract.pk, "present": "1", "variant": "row"},
    )
    assert response.status_code == 302

    # 7. The cabinet shows the certificate, to the kopeck.
    debit = 2 * PRICE_PER_HOUR * certificate_part // total_cost  # cumulative rounding down
    assert debit == 238_09
    page = parent.get(reverse("cabinet:child_detail", args=[child.pk])).content.decode()
    assert certificate.number_display in page
    assert "Сертификат персонифицированного финансирования" in page
    assert "01.09.2026" in page and "31.08.2027" in page
    balance = NOMINAL - debit
    reserved = certificate_part - debit
    available = NOMINAL - certificate_part
    for label, figure in (
        ("Номинал", NOMINAL),
        ("Остаток", balance),
        ("В резерве по договорам", reserved),
        ("Доступно", available),
    ):
        assert re.search(rf"{label}</dt>\s*<dd[^>]*>{re.escape(_rub(figure))}</dd>", page), (
            f"{label} should be {_rub(figure)}"
        )
    assert "Зачисление номинала" in page and "+" + _rub(NOMINAL) in page
    assert "Резерв по договору" in page and "резерв +" + _rub(certificate_part) in page
    assert "Списание за занятие" in page and _rub(-debit) in page
    assert f"Списание за занятие {TODAY:%d.%m.%Y}" in page
    # The debit names the lesson's price and the family's part beside the certificate's.
    assert re.search(
        rf"Цена занятия\s*<span[^>]*>{re.escape(_rub(2 * PRICE_PER_HOUR))}</span>: сертификат", page
    )
    assert page.count("Робототехника") >= 3  # the application and two operations
    assert page.count(provider.short_name) >= 2
