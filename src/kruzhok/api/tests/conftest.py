import pytest
from django.core.cache import cache

from kruzhok.accounts.models import User
from kruzhok.api.services import api_token_create


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The rate-limit windows live in the cache: each test starts with none spent.
    cache.clear()
    yield
    cache.clear()


def bearer(user: User, *, provider_id: int | None = None, days: int = 30) -> dict[str, str]:
    """Headers of a request made with a fresh personal token of `user`."""
    created = api_token_create(user=user, name="Тест", days=days, provider_id=provider_id)
    return {"Authorization": f"Bearer {created.secret}"}
