"""Who calls the operator's operations and which municipalities they reach."""

from django.http import Http404, HttpRequest
from ninja import Field, Schema

from kruzhok.accounts.models import Role
from kruzhok.api.auth import Principal, principal
from kruzhok.api.problems import ApiProblem
from kruzhok.billing import selectors as billing_selectors
from kruzhok.common.models import Municipality


def caller_of(request: HttpRequest) -> Principal:
    return principal(request, Role.OPERATOR, Role.REGIONAL_ADMIN)


def municipalities(caller: Principal, wanted: int | None) -> list[int]:
    """The municipalities asked for: the one named (404 if the caller may not see it), else
    every one the caller oversees."""
    allowed = billing_selectors.operator_municipality_ids(user=caller.user)
    if wanted is not None:
        if wanted not in allowed:
            raise Http404("Муниципалитет не найден.")
        return [wanted]
    if not allowed:
        raise Http404("Муниципалитет не найден.")
    return allowed


def one_municipality(caller: Principal, wanted: int | None) -> Municipality:
    ids = municipalities(caller, wanted)
    if len(ids) > 1:
        raise ApiProblem(
            422,
            "Укажите муниципалитет (municipality): региональный администратор работает со всеми.",
            errors=[("municipality", "Обязательное поле: заполните его.")],
        )
    return Municipality.objects.get(pk=ids[0])


class MunicipalityQuery(Schema):
    municipality: int | None = Field(
        None, ge=1, le=2**31 - 1, description="муниципалитет; без него — все ваши"
    )
