from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Charge(models.Model):
    """What one attended lesson costs under a contract, split into certificate and parent parts.

    A charge is never edited: un-marking attendance reverses it (`reversed_at` and the ledger's
    reversing transfer) and a new mark makes a new charge.
    """

    contract = models.ForeignKey(
        "enrollment.Contract", on_delete=models.PROTECT, related_name="charges"
    )
    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.PROTECT, related_name="charges")
    lesson_value = models.BigIntegerField("стоимость занятия, коп.")
    certificate_amount = models.BigIntegerField("за счёт сертификата, коп.")
    parent_amount = models.BigIntegerField("доплата родителя, коп.")
    transfer = models.OneToOneField(
        "certificates.Transfer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="charge",
    )
    reversal = models.OneToOneField(
        "certificates.Transfer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_charge",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "начисление"
        verbose_name_plural = "начисления"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "lesson"],
                condition=Q(reversed_at__isnull=True),
                name="charge_one_active_per_lesson",
            ),
            models.CheckConstraint(
                condition=Q(certificate_amount__gte=0, parent_amount__gte=0)
                & Q(lesson_value=F("certificate_amount") + F("parent_amount")),
                name="charge_parts_sum_to_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract}: {self.lesson}"


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
