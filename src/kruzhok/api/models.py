"""Personal API tokens, the answers kept for idempotent retries, and tombstones of deleted
objects that a client syncing with `updated_since` must drop."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from kruzhok.accounts.models import Role


class ApiToken(models.Model):
    """A personal token: a person's key for scripts and other systems.

    The token itself is shown once, when it is created; only its SHA-256 is kept (a random
    32-byte token needs no slow hash: nothing can be guessed from the digest). It acts with the
    person's role at creation and, for a provider's staff member, for one organisation only;
    it stops working when it expires, is revoked, or the person loses that role or membership.
    """

    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name="владелец",
    )
    name = models.CharField("назначение", max_length=100)
    prefix = models.CharField("начало ключа", max_length=16)
    digest = models.CharField("SHA-256 ключа", max_length=64, unique=True)
    role = models.CharField("роль", max_length=20, choices=Role.choices)
    provider = models.ForeignKey(
        "providers.Provider",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="организация",
    )
    created_at = models.DateTimeField("создан", default=timezone.now)
    expires_at = models.DateTimeField("действует до")
    revoked_at = models.DateTimeField("отозван", null=True, blank=True)
    last_used_at = models.DateTimeField("последнее использование", null=True, blank=True)

    class Meta:
        verbose_name = "ключ API"
        verbose_name_plural = "ключи API"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="api_token_expires_after_created"
            ),
            # A provider's token acts for exactly one organisation; other roles for none.
            models.CheckConstraint(
                condition=Q(role=Role.PROVIDER, provider__isnull=False)
                | (~Q(role=Role.PROVIDER) & Q(provider__isnull=True)),
                name="api_token_provider_iff_provider_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class IdempotentAnswer(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key`: a retry with the same key and
    body gets it again instead of taking a second seat or moving money twice. A row whose
    `status` is null is a request still running (a concurrent retry is told to wait)."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", verbose_name="кто"
    )
    key = models.CharField("ключ Idempotency-Key", max_length=255)
    operation = models.CharField("операция", max_length=300)
    body_digest = models.CharField("SHA-256 тела запроса", max_length=64)
    status = models.PositiveSmallIntegerField("код ответа", null=True)
    body = models.TextField("тело ответа", blank=True)
    content_type = models.CharField("тип ответа", max_length=100, blank=True)
    created_at = models.DateTimeField("когда", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "ответ на запрос с ключом идемпотентности"
        verbose_name_plural = "ответы на запросы с ключом идемпотентности"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class Tombstone(models.Model):
    """A deleted object that API clients may hold: `kind` is the resource («program»,
    «group», «lesson», «schedule»), `object_id` its id."""

    kind = models.CharField("вид объекта", max_length=20)
    object_id = models.BigIntegerField("номер объекта")
    deleted_at = models.DateTimeField("удалён", default=timezone.now)

    class Meta:
        verbose_name = "запись об удалённом объекте"
        verbose_name_plural = "записи об удалённых объектах"
        indexes = [models.Index(fields=["kind", "deleted_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
