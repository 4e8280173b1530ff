import datetime

import pytest
import time_machine

from kruzhok.accounts.models import RateLimitHit
from kruzhok.accounts.rate_limits import rate_limit_count, rate_limit_hit

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def test_attempts_beyond_the_limit_are_refused_and_not_counted():
    assert [rate_limit_hit(scope="s", key="k", limit=2, window=HOUR) for _ in range(4)] == [
        True,
        True,
        False,
        False,
    ]
    assert rate_limit_count(scope="s", key="k", window=HOUR) == 2
    assert rate_limit_hit(scope="s", key="other", limit=2, window=HOUR)


def test_waiting_out_the_window_helps_and_old_hits_are_forgotten():
    with time_machine.travel(datetime.datetime(2026, 11, 29, 10, 0, tzinfo=datetime.UTC)):
        rate_limit_hit(scope="s", key="k", limit=1, window=HOUR)
        assert not rate_limit_hit(scope="s", key="k", limit=1, window=HOUR)
    with time_machine.travel(datetime.datetime(2026, 11, 29, 11, 1, tzinfo=datetime.UTC)):
        assert rate_limit_hit(scope="s", key="k", limit=1, window=HOUR)
    assert RateLimitHit.objects.count() == 1


def test_the_key_is_stored_hashed_never_as_given():
    rate_limit_hit(scope="register", key="203.0.113.5", limit=5, window=HOUR)

    assert "203.0.113.5" not in RateLimitHit.objects.get().key
