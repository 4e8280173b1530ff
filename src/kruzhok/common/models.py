from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from kruzhok.common.validators import validate_inn, validate_ogrn


def _digits(count: int, what: str) -> RegexValidator:
    return RegexValidator(rf"^[0-9]{{{count}}}$", f"{what} состоит из {count} цифр.")


class Municipality(models.Model):
    """A municipal district or city: the unit that finances certificates and is reported on."""

    name = models.CharField("название", max_length=200, unique=True)
    region_code = models.CharField("код региона", max_length=2, default="26")
    region_name = models.CharField("регион", max_length=200, default="Ставропольский край")
    children_population = models.PositiveIntegerField(
        "детей 5–18 лет, проживающих в муниципалитете", default=0
    )
    # The payer of providers' invoices (уполномоченный орган): its details are printed on every
    # invoice and act. Blank until they are entered (the municipality's page in /admin/); a
    # document then says «не указано» rather than inventing a number.
    payer_name = models.CharField(
        "плательщик по счетам поставщиков (уполномоченный орган)",
        max_length=500,
        blank=True,
        help_text="полное наименование, как в учредительных документах",
    )
    payer_inn = models.CharField(
        "ИНН плательщика",
        max_length=10,
        blank=True,
        validators=[_digits(10, "ИНН организации"), validate_inn],
    )
    payer_kpp = models.CharField(
        "КПП плательщика", max_length=9, blank=True, validators=[_digits(9, "КПП")]
    )
    payer_ogrn = models.CharField(
        "ОГРН плательщика",
        max_length=13,
        blank=True,
        validators=[_digits(13, "ОГРН"), validate_ogrn],
    )
    payer_address = models.CharField("адрес плательщика", max_length=500, blank=True)
    payer_account = models.CharField(
        "казначейский (расчётный) счёт плательщика",
        max_length=20,
        blank=True,
        validators=[_digits(20, "Счёт")],
    )
    payer_bank_name = models.CharField(
        "банк плательщика",
        max_length=300,
        blank=True,
        help_text="например, «Отделение Ставрополь Банка России//УФК по Ставропольскому краю»",
    )
    payer_bik = models.CharField(
        "БИК банка плательщика", max_length=9, blank=True, validators=[_digits(9, "БИК")]
    )
    payer_correspondent_account = models.CharField(
        "корреспондентский счёт (ЕКС) банка плательщика",
        max_length=20,
        blank=True,
        validators=[_digits(20, "Корреспондентский счёт")],
    )

    class Meta:
        verbose_name = "муниципалитет"
        verbose_name_plural = "муниципалитеты"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(payer_inn="") | Q(payer_inn__regex=r"^[0-9]{10}$"),
                name="municipality_payer_inn_digits",
            ),
            models.CheckConstraint(
                condition=Q(payer_kpp="") | Q(payer_kpp__regex=r"^[0-9]{9}$"),
                name="municipality_payer_kpp_digits",
            ),
            models.CheckConstraint(
                condition=Q(payer_ogrn="") | Q(payer_ogrn__regex=r"^[0-9]{13}$"),
                name="municipality_payer_ogrn_digits",
            ),
            models.CheckConstraint(
                condition=Q(payer_account="") | Q(payer_account__regex=r"^[0-9]{20}$"),
                name="municipality_payer_account_digits",
            ),
            models.CheckConstraint(
                condition=Q(payer_bik="") | Q(payer_bik__regex=r"^[0-9]{9}$"),
                name="municipality_payer_bik_digits",
            ),
            models.CheckConstraint(
                condition=Q(payer_correspondent_account="")
                | Q(payer_correspondent_account__regex=r"^[0-9]{20}$"),
                name="municipality_payer_correspondent_account_digits",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PopulationFigure(models.Model):
    """How many children of one age (full years) live in a municipality: the denominator of
    coverage, entered by the operator from the statistics office's figures.

    It stands beside the municipality it describes (common) rather than in the reports that
    read it: the operator's home and any later page may use it, and the reports are the top
    layer, which nothing may import. `Municipality.children_population` (one figure for ages
    5–18) is kept as their sum, so older pages keep reading a true total."""

    municipality = models.ForeignKey(
        Municipality,
        verbose_name="муниципалитет",
        on_delete=models.PROTECT,
        related_name="population_figures",
    )
    age = models.PositiveSmallIntegerField("возраст, полных лет")
    children = models.PositiveIntegerField("детей этого возраста")
    as_of = models.DateField("по данным на")
    updated_at = models.DateTimeField("изменено", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто изменил",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "численность детей по возрасту"
        verbose_name_plural = "численность детей по возрастам"
        ordering = ["municipality", "age"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "age"], name="population_one_per_age"),
            models.CheckConstraint(
                condition=Q(age__gte=5, age__lte=18, children__gte=0),
                name="population_age_5_18",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.age} лет — {self.children}"


class NumberSequence(models.Model):
    """A gapless counter (certificate numbers per region, contract numbers)."""

    name = models.CharField(max_length=50, primary_key=True, verbose_name="название счётчика")
    last_value = models.BigIntegerField(default=0, verbose_name="последний номер")

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
