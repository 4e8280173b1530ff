"""`Idempotency-Key` on the POSTs that take a seat or move money.

The first request with a key runs and its successful answer is kept; a retry with the same key
and the same body gets that answer again (marked `Idempotent-Replayed: true`) without running
anything; the same key with another body or operation is refused. Refusals (4xx) are not kept:
they took nothing, so a retry runs again. Two requests with one key at the same moment: the
second is told the first is still running. A request whose worker died midway leaves a pending
mark that is taken over after PENDING_TIMEOUT — safe, because each operation is itself guarded
(one live application per child and group, a payment once per order, and so on).
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from kruzhok.accounts.models import User
from kruzhok.api.models import IdempotentAnswer
from kruzhok.api.problems import ApiProblem

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
PENDING_TIMEOUT = datetime.timedelta(minutes=2)
# How long a kept answer is replayed (a client retries within minutes; a day is generous).
KEPT_FOR = datetime.timedelta(days=1)


def _digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _key_checked(key: str | None) -> str:
    if key is None or not key.strip():
        raise ApiProblem(
            400,
            f"Передайте заголовок {HEADER} — уникальную строку для этой операции (например, "
            "UUID): повтор с тем же ключом не выполнит её второй раз.",
            errors=[(HEADER, "Обязательный заголовок.")],
        )
    key = key.strip()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiProblem(
            400,
            f"{HEADER}: не длиннее {MAX_KEY_LENGTH} печатных символов.",
            errors=[(HEADER, "Неверный ключ.")],
        )
    return key


def _claim(user: User, key: str, operation: str, digest: str) -> IdempotentAnswer | HttpResponse:
    """A new pending mark for this key, or the kept answer to replay."""
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotentAnswer.objects.create(
                    user=user, key=key, operation=operation, body_digest=digest, created_at=now
                )
        except IntegrityError:
            pass
        kept = IdempotentAnswer.objects.filter(user=user, key=key).first()
        if kept is None:
            continue  # deleted in between: claim again
        if kept.operation != operation or kept.body_digest != digest:
            raise ApiProblem(
                422,
                f"Этот {HEADER} уже использован для другого запроса. Для новой операции "
                "возьмите новый ключ.",
                errors=[(HEADER, "Ключ уже использован с другим телом запроса.")],
            )
        if kept.status is not None and now - kept.created_at <= KEPT_FOR:
            replay = HttpResponse(kept.body, status=kept.status, content_type=kept.content_type)
            replay["Idempotent-Replayed"] = "true"
            return replay
        if kept.status is None and now - kept.created_at <= PENDING_TIMEOUT:
            raise ApiProblem(
                409,
                f"Запрос с этим {HEADER} ещё выполняется: повторите его через несколько секунд.",
                headers={"Retry-After": "2"},
            )
        # An abandoned mark or an answer kept too long: forget it and run anew.
        IdempotentAnswer.objects.filter(pk=kept.pk, created_at=kept.created_at).delete()
    raise ApiProblem(409, "Повторите запрос: ключ одновременно использует другой запрос.")


def idempotent(
    request: HttpRequest,
    *,
    user: User,
    key: str | None,
    payload: Any,
    run: Callable[[], HttpResponse],
) -> HttpResponse:
    """Run `run` once per (user, key); see the module's docstring."""
    key = _key_checked(key)
    operation = f"{request.method} {request.path}"
    claimed = _claim(user, key, operation, _digest(payload))
    if isinstance(claimed, HttpResponse):
        return claimed
    try:
        response = run()
    except BaseException:
        IdempotentAnswer.objects.filter(pk=claimed.pk).delete()
        raise
    if 200 <= response.status_code < 300:
        claimed.status = response.status_code
        claimed.body = response.content.decode()
        claimed.content_type = response.get("Content-Type", "application/json")
        claimed.save(update_fields=["status", "body", "content_type"])
    else:
        IdempotentAnswer.objects.filter(pk=claimed.pk).delete()
    return response
