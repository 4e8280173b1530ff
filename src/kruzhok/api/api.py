"""The API's one NinjaAPI: its routers, authentication, rate limit and error documents."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.operation import Operation

from kruzhok.api.auth import AUTH
from kruzhok.api.problems import (
    PROBLEM_CONTENT_TYPE,
    ApiProblem,
    problem_response,
    russian_or,
    validation_errors,
)
from kruzhok.api.routers import catalog, feeds, me, notifications, operator, parent, provider
from kruzhok.api.throttling import CallerThrottle
from kruzhok.enrollment.errors import EnrollmentError

DESCRIPTION = """\
Программный интерфейс портала ПФДО «Кружок»: каталог программ, кабинеты родителя,
поставщика и муниципального оператора, выгрузка в федеральный Навигатор.

* **Аутентификация**: личный ключ API (`Authorization: Bearer krz_…`), который человек
  создаёт и отзывает в личном кабинете, или сессия сайта. Ключ действует с ролью владельца
  и, для сотрудника поставщика, от имени одной организации.
* **Деньги** — целые копейки с кодом валюты: `{"amount": 16901, "currency": "RUB"}`.
* **Даты** — ISO 8601.
* **Ошибки** — RFC 7807 (`application/problem+json`) с `detail` по-русски и ошибками полей.
* **Idempotency-Key** обязателен в POST, которые занимают место или двигают деньги:
  повтор с тем же ключом и телом вернёт первый ответ, с другим телом — отказ.
* **Лимит запросов** — на ключ в минуту; сверх него 429 и `Retry-After`.
"""


ROUTERS = "kruzhok.api.routers."


class KruzhokAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """Ninja's `<module>_<function>`, with the module a router's: the operations of a
        router split into a package by resource (`routers/provider/invoices.py`) keep the ids
        clients have generated code from (`kruzhok_api_routers_provider_invoice_list`)."""
        module = operation.view_func.__module__
        if module.startswith(ROUTERS):
            module = ROUTERS + module.removeprefix(ROUTERS).split(".")[0]
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """The schema as ninja builds it, with error answers under their real media type:
        every Problem answer is `application/problem+json`."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for answer in operation.get("responses", {}).values():
                    content = answer.get("content", {})
                    json_body = content.get("application/json", {})
                    if json_body.get("schema", {}).get("$ref", "").endswith("/Problem"):
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        return schema


api = KruzhokAPI(
    title="Кружок: API v1",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
    throttle=[CallerThrottle()],
)


def _problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem_response(exc.status, exc.detail, errors=exc.errors, headers=exc.headers)


def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = validation_errors(exc.errors)
    fields = ", ".join(dict.fromkeys(field for field, _ in errors))
    return problem_response(422, f"Исправьте данные запроса: {fields}.", errors=errors)


def _refused(request: HttpRequest, exc: EnrollmentError) -> HttpResponse:
    # The services name the pages' form fields; the API's payloads name ids.
    field = {"child": "child_id", "group": "group_id"}.get(exc.field or "", exc.field)
    errors = [(field, exc.message)] if field else []
    return problem_response(409, exc.message, errors=errors)


def _django_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: list[tuple[str, str]] = []
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            errors.extend((field, message) for message in messages)
    detail = " ".join(message for _, message in errors) or " ".join(exc.messages)
    return problem_response(422, detail, errors=errors)


def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(404, russian_or(str(exc), "Не найдено: проверьте адрес и номер."))


def _forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(
        403, russian_or(str(exc), "Нет доступа: эта операция не для вашей роли или организации.")
    )


def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(
        401,
        "Нужен действующий ключ API в заголовке Authorization: Bearer krz_… (создайте его в "
        "личном кабинете) или вход на сайт.",
        headers={"WWW-Authenticate": 'Bearer realm="kruzhok"'},
    )


def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    wait = int(exc.wait or 60)
    return problem_response(
        429,
        f"Слишком много запросов с этого ключа: повторите через {wait} с.",
        headers={"Retry-After": str(wait)},
    )


def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    fallback = {
        400: "Неверный запрос: проверьте тело (JSON) и параметры.",
        405: "Этот метод здесь не поддерживается.",
    }.get(exc.status_code, "Запрос не выполнен.")
    return problem_response(exc.status_code, russian_or(str(exc), fallback))


HANDLERS: dict[type[Exception], Any] = {
    ApiProblem: _problem,
    NinjaValidationError: _invalid,
    ValidationError: _django_invalid,
    EnrollmentError: _refused,
    Http404: _not_found,
    PermissionDenied: _forbidden,
    AuthenticationError: _unauthenticated,
    Throttled: _throttled,
    HttpError: _http_error,
}
for exception, handler in HANDLERS.items():
    api.add_exception_handler(exception, handler)

api.add_router("/catalog", catalog.router)
api.add_router("/me", me.router)
api.add_router("/parent", parent.router)
api.add_router("/notifications", notifications.router)
api.add_router("/provider", provider.router)
api.add_router("/operator", operator.router)
api.add_router("/feeds", feeds.router)
