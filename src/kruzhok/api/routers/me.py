"""Who the caller is: the person, the role and the organisation a token acts for."""

from django.http import HttpRequest
from ninja import Router, Schema

from kruzhok.api.auth import principal
from kruzhok.api.problems import Problem

router = Router(tags=["Профиль"])


class MeOut(Schema):
    id: int
    full_name: str
    email: str
    role: str
    role_name: str
    municipality_id: int | None
    provider_id: int | None
    token_expires_at: str | None


@router.get("", response={200: MeOut, frozenset({401, 429}): Problem}, summary="Кто я")
def me(request: HttpRequest) -> MeOut:
    caller = principal(request)
    user = caller.user
    return MeOut(
        id=user.pk,
        full_name=user.full_name,
        email=user.email,
        role=user.role,
        role_name=user.get_role_display(),
        municipality_id=user.municipality_id,
        provider_id=caller.provider_id,
        token_expires_at=caller.token.expires_at.isoformat() if caller.token else None,
    )
