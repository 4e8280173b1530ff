"""Errors as RFC 7807 problem documents (`application/problem+json`): a Russian `detail` that
says what to fix and, for bad input, the error of each field."""

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.http import HttpResponse
from ninja import Schema

PROBLEM_CONTENT_TYPE = "application/problem+json"

TITLES: dict[int, str] = {
    400: "Неверный запрос",
    401: "Нужна аутентификация",
    403: "Нет доступа",
    404: "Не найдено",
    405: "Метод не поддерживается",
    409: "Конфликт",
    413: "Слишком большой запрос",
    422: "Ошибка в данных",
    429: "Слишком много запросов",
}


class FieldError(Schema):
    field: str
    message: str


class Problem(Schema):
    """An error (RFC 7807)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] = []


class ApiProblem(Exception):
    """Raised by an operation to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: Sequence[tuple[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = list(errors)
        self.headers = dict(headers or {})


def problem_response(
    status: int,
    detail: str,
    *,
    errors: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Ошибка"),
        "status": status,
        "detail": detail,
        "errors": [{"field": field, "message": message} for field, message in errors],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def russian_or(message: str, fallback: str) -> str:
    """The message when it is already Russian (a domain refusal), else the fallback: the
    libraries' English texts never reach a user."""
    return message if _CYRILLIC.search(message) else fallback


# Pydantic's error types, said in Russian; `{…}` are filled from the error's context.
VALIDATION_MESSAGES: dict[str, str] = {
    "missing": "Обязательное поле: заполните его.",
    "int_parsing": "Нужно целое число.",
    "int_type": "Нужно целое число.",
    "int_from_float": "Нужно целое число, без дробной части.",
    "float_parsing": "Нужно число.",
    "bool_parsing": "Нужно true или false.",
    "bool_type": "Нужно true или false.",
    "string_type": "Нужна строка.",
    "string_too_short": "Слишком коротко: нужно не меньше {min_length} символов.",
    "string_too_long": "Слишком длинно: не больше {max_length} символов.",
    "string_pattern_mismatch": "Значение не подходит по формату.",
    "date_parsing": "Нужна дата в формате ГГГГ-ММ-ДД, например 2026-09-01.",
    "date_from_datetime_parsing": "Нужна дата в формате ГГГГ-ММ-ДД, например 2026-09-01.",
    "date_type": "Нужна дата в формате ГГГГ-ММ-ДД, например 2026-09-01.",
    "datetime_parsing": "Нужны дата и время в ISO 8601, например 2026-09-01T10:00:00+03:00.",
    "datetime_from_date_parsing": (
        "Нужны дата и время в ISO 8601, например 2026-09-01T10:00:00+03:00."
    ),
    "datetime_type": "Нужны дата и время в ISO 8601, например 2026-09-01T10:00:00+03:00.",
    "greater_than": "Нужно число больше {gt}.",
    "greater_than_equal": "Нужно число не меньше {ge}.",
    "less_than": "Нужно число меньше {lt}.",
    "less_than_equal": "Нужно число не больше {le}.",
    "literal_error": "Допустимые значения: {expected}.",
    "enum": "Допустимые значения: {expected}.",
    "list_type": "Нужен список.",
    "too_short": "Нужно не меньше {min_length} элементов.",
    "too_long": "Не больше {max_length} элементов.",
    "dict_type": "Нужен объект JSON.",
    "model_attributes_type": "Нужен объект JSON.",
    "json_invalid": "Тело запроса — не JSON: проверьте синтаксис.",
    "extra_forbidden": "Лишнее поле: уберите его.",
    "value_error": "Неверное значение.",
}


def validation_errors(errors: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """Pydantic's errors as (field, Russian message); the field is its path without the
    parameter source («query», «body», the payload's name)."""
    result: list[tuple[str, str]] = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] in ("query", "path", "header", "body", "cookie", "form"):
            location = location[1:]
        if len(location) > 1 and location[0] == "payload":
            location = location[1:]
        field = ".".join(location) or "body"
        kind = str(error.get("type", ""))
        template = VALIDATION_MESSAGES.get(kind)
        if kind == "value_error":
            message = russian_or(str(error.get("msg", "")).removeprefix("Value error, "), "")
            template = message or template
        try:
            message = (template or "Неверное значение.").format(**(error.get("ctx") or {}))
        except (KeyError, IndexError):
            message = template or "Неверное значение."
        result.append((field, message))
    return result
