from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class MonthClosure(models.Model):
    """The operator closed a month of a municipality: its attendance and charges are final.

    A mistake found later is corrected in the next open month; the closed month is never edited.
    """

    municipality = models.ForeignKey(
        "common.Municipality",
        verbose_name="муниципалитет",
        on_delete=models.PROTECT,
        related_name="month_closures",
    )
    month = models.DateField("месяц", help_text="первое число закрытого месяца")
    closed_at = models.DateTimeField("закрыт", default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто закрыл",
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "закрытие месяца"
        verbose_name_plural = "закрытые месяцы"
        ordering = ["-month", "municipality"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "month"], name="month_closed_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="month_closure_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.month:%m.%Y}"
