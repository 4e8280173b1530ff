from typing import Any

from django.conf import settings
from django.db import models


class Municipality(models.Model):
    """A municipal district or city: the unit that finances certificates and is reported on."""

    name = models.CharField("название", max_length=200, unique=True)
    region_code = models.CharField("код региона", max_length=2, default="26")
    region_name = models.CharField("регион", max_length=200, default="Ставропольский край")
    children_population = models.PositiveIntegerField(
        "детей 5–18 лет, проживающих в муниципалитете", default=0
    )

    class Meta:
        verbose_name = "муниципалитет"
        verbose_name_plural = "муниципалитеты"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NumberSequence(models.Model):
    """A gapless counter (certificate numbers per region, contract numbers)."""

    name = models.CharField(max_length=50, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "счётчик номеров"
        verbose_name_plural = "счётчики номеров"

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class AuditEvent(models.Model):
    """Who did what and when: written in the same transaction as the change it describes."""

    created_at = models.DateTimeField("когда", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField("действие", max_length=100)
    object_type = models.CharField("объект", max_length=100)
    object_id = models.CharField("номер объекта", max_length=64)
    details = models.JSONField("подробности", default=dict, blank=True)
    ip_address = models.GenericIPAddressField("IP-адрес", null=True, blank=True)

    class Meta:
        verbose_name = "событие журнала"
        verbose_name_plural = "журнал действий"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


def audit_details(**values: Any) -> dict[str, Any]:
    """JSON-safe details: dates and other objects become strings."""
    return {
        k: v if isinstance(v, int | float | str | bool | None) else str(v)
        for k, v in values.items()
    }
