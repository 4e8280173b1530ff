"""The operator's menu: every operator page, in the site's navigation and on the home page.

The pages of the reports app are reached by their paths (/operator/reports/,
/operator/financing/), so the menu does not depend on that app being installed.
"""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse

from kruzhok.accounts.models import Role

OPERATOR_ROLES = (Role.OPERATOR, Role.REGIONAL_ADMIN)

REPORTS_PATH = "/operator/reports/"
FINANCING_PATH = "/operator/financing/"


@dataclass(frozen=True)
class MenuItem:
    title: str
    url: str
    hint: str = ""


@dataclass(frozen=True)
class MenuSection:
    title: str
    items: tuple[MenuItem, ...]


def operator_menu() -> tuple[MenuSection, ...]:
    registers = [
        ("Сертификаты", "certificates", "номер, статус, остаток и резерв"),
        ("Дети", "children", "поиск по ФИО или СНИЛС"),
        ("Договоры", "contracts", "стоимость, часть сертификата, доплата"),
        ("Поставщики", "providers", "ИНН, ОГРН, статус допуска"),
        ("Программы", "programs", "направленность, цена часа, места"),
    ]
    return (
        MenuSection(
            "Решения",
            (
                MenuItem("Модерация", reverse("operator:queue"), "поставщики и программы"),
                MenuItem(
                    "Просроченные заявки",
                    reverse("oversight:applications_overdue"),
                    "поставщик не ответил в срок",
                ),
                MenuItem(
                    "Периоды записи", reverse("enrollment:window_list"), "когда открыта запись"
                ),
                MenuItem(
                    "Исправления данных детей",
                    reverse("oversight:corrections"),
                    "СНИЛС и даты рождения по запросам родителей",
                ),
            ),
        ),
        MenuSection(
            "Деньги",
            (
                MenuItem("Закрытие месяцев", reverse("billing:month_list"), "счета поставщикам"),
                MenuItem("Реестр платежей", reverse("payments:registry"), "оплата счетов"),
                MenuItem("Авансы", reverse("advances:list"), "авансы поставщикам в начале месяца"),
                MenuItem("Периоды финансирования", reverse("periods:list"), "закрытие периода"),
                MenuItem("Правила финансирования", FINANCING_PATH, "номиналы, квоты, бюджет"),
            ),
        ),
        MenuSection(
            "Реестры",
            (
                *(
                    MenuItem(title, reverse("oversight:register", args=[slug]), hint)
                    for title, slug, hint in registers
                ),
                MenuItem("Журнал действий", reverse("oversight:audit"), "кто, что и когда"),
            ),
        ),
        MenuSection(
            "Отчёты",
            (MenuItem("Отчёты", REPORTS_PATH, "охват, сертификаты, деньги"),),
        ),
    )


def operator_menu_context(request: HttpRequest) -> dict[str, object]:
    """`operator_menu` for the site's navigation, for operators only (no query is made)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "role", None) not in OPERATOR_ROLES:
        return {}
    return {"operator_menu": operator_menu()}
