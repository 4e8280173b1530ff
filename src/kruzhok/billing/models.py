import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone


class MonthClosureStatus(models.TextChoices):
    RUNNING = "running", "Идёт закрытие"
    CLOSED = "closed", "Закрыт"


class MonthClosure(models.Model):
    """The operator closed a month of a municipality: its attendance and charges are final.

    The row is the close's batch: it is created first (the month freezes at that moment) and
    then filled with one invoice per provider, each in its own transaction, so a close stopped
    at any point is resumed by running it again. A mistake found later is corrected in the
    next open month; the closed month is never edited.
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
        null=True,
        blank=True,
        help_text="пусто — закрыт из консоли сервера",
    )
    status = models.CharField(
        "состояние",
        max_length=20,
        choices=MonthClosureStatus.choices,
        default=MonthClosureStatus.CLOSED,
    )
    providers_total = models.PositiveIntegerField("поставщиков к выставлению", default=0)
    providers_done = models.PositiveIntegerField("счетов выставлено", default=0)
    finished_at = models.DateTimeField("закрытие завершено", null=True, blank=True)

    class Meta:
        verbose_name = "закрытие месяца"
        verbose_name_plural = "закрытые месяцы"
        ordering = ["-month", "municipality"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "month"], name="month_closed_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="month_closure_first_day"),
            models.CheckConstraint(
                condition=Q(providers_done__lte=F("providers_total")),
                name="month_closure_progress_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality}: {self.month:%m.%Y}"


class PeriodClosureStatus(models.TextChoices):
    RUNNING = "running", "Идёт закрытие"
    CLOSED = "closed", "Закрыт"


class PeriodClosure(models.Model):
    """The close of a financing period (`billing.periods`): who started it and when, how far
    it has gone, and what it did.

    One per financing program (a unique constraint): two operators pressing the button at
    once share one close, and the console joins it too. The figures are added up batch by
    batch in the batch's own transaction, so they always match the money that moved; a close
    run again adds what it did (nothing, once all is done).
    """

    financing_program = models.OneToOneField(
        "certificates.FinancingProgram",
        verbose_name="программа финансирования",
        on_delete=models.PROTECT,
        related_name="period_closure",
    )
    status = models.CharField(
        "состояние",
        max_length=20,
        choices=PeriodClosureStatus.choices,
        default=PeriodClosureStatus.RUNNING,
    )
    started_at = models.DateTimeField("начато", default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто начал",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="пусто — из консоли сервера",
    )
    finished_at = models.DateTimeField("завершено", null=True, blank=True)
    # Progress of the latest run: certificates, then applications.
    certificates_total = models.PositiveIntegerField("сертификатов к обработке", default=0)
    certificates_done = models.PositiveIntegerField("сертификатов обработано", default=0)
    applications_total = models.PositiveIntegerField("заявок к завершению", default=0)
    applications_done = models.PositiveIntegerField("заявок обработано", default=0)
    # What the close did, over all its runs.
    holds_voided = models.PositiveIntegerField("снято резервов", default=0)
    voided = models.BigIntegerField("освобождено из резервов, коп.", default=0)
    certificates_expired = models.PositiveIntegerField("сертификатов с возвратом", default=0)
    expired = models.BigIntegerField("возвращено в бюджет, коп.", default=0)
    certificates_to_accounting = models.PositiveIntegerField(
        "переведено в сертификаты учёта", default=0
    )
    applications_finished = models.PositiveIntegerField("заявок завершено", default=0)
    applications_left = models.PositiveIntegerField(
        "заявок не завершено",
        default=0,
        help_text="по последнему запуску: договор идёт после окончания периода",
    )

    class Meta:
        verbose_name = "закрытие периода"
        verbose_name_plural = "закрытые периоды"
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(certificates_done__lte=F("certificates_total"))
                & Q(applications_done__lte=F("applications_total")),
                name="period_closure_progress_within_total",
            ),
            models.CheckConstraint(
                condition=Q(voided__gte=0, expired__gte=0),
                name="period_closure_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Закрытие: {self.financing_program}"

    @property
    def steps_done(self) -> int:
        """The latest run's progress, certificates and applications together."""
        return self.certificates_done + self.applications_done

    @property
    def steps_total(self) -> int:
        return self.certificates_total + self.applications_total


class InvoiceStatus(models.TextChoices):
    ISSUED = "issued", "Выставлен"
    APPROVED = "approved", "Утверждён к оплате"
    PARTLY_PAID = "partly_paid", "Оплачен частично"
    PAID = "paid", "Оплачен"


class Invoice(models.Model):
    """A provider's invoice (счёт на оплату) to the municipality for a closed month: what the
    certificates pay for the month's charged lessons, one line per contract.

    Issued once per provider and month close (a unique constraint), numbered without gaps per
    series, payer and year in the transaction that issues it, and never changed afterwards
    except for its payment status.
    """

    closure = models.ForeignKey(
        MonthClosure,
        verbose_name="закрытие месяца",
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    provider = models.ForeignKey(
        "providers.Provider",
        verbose_name="поставщик",
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    series = models.CharField("серия нумерации", max_length=60)
    number = models.PositiveIntegerField("номер счёта")
    act_number = models.PositiveIntegerField("номер акта")
    issued_on = models.DateField("дата счёта")
    status = models.CharField(
        "состояние", max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED
    )
    lessons = models.IntegerField("посещённых занятий")
    certificate_amount = models.BigIntegerField("за счёт сертификатов, коп.")
    parent_amount = models.BigIntegerField("доплата родителей, коп.")
    paid_amount = models.BigIntegerField("оплачено, коп.", default=0)
    advance_netted = models.BigIntegerField("зачтено авансов, коп.", default=0)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="создан")

    class Meta:
        verbose_name = "счёт поставщика"
        verbose_name_plural = "счета поставщиков"
        ordering = ["closure", "provider__short_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["closure", "provider"], name="invoice_one_per_provider_and_close"
            ),
            models.UniqueConstraint(fields=["series", "number"], name="invoice_number_once"),
            # A month of corrections only may come out below zero: the provider then owes it.
            # Advances netted off and payments together never exceed the invoice.
            models.CheckConstraint(
                condition=Q(paid_amount__gte=0, advance_netted__gte=0)
                & (
                    Q(paid_amount__lte=F("certificate_amount") - F("advance_netted"))
                    | Q(paid_amount=0, advance_netted=0)
                ),
                name="invoice_paid_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"Счёт № {self.number} от {self.issued_on:%d.%m.%Y}"

    @property
    def due(self) -> int:
        """What is still to be paid, in kopecks: the invoice less the advances netted off it
        and the payments made."""
        return self.certificate_amount - self.advance_netted - self.paid_amount


OWN_MONTH = datetime.date(1, 1, 1)
"""Where an invoice line's uniqueness puts the month's own line (`corrects_month` NULL): a
date no correction ever names."""


class InvoiceLine(models.Model):
    """One contract's month on an invoice: the child by initials only, what was attended, what
    the certificate pays and what the family pays on top.

    A correction line (`corrects_month` set, «корректировка») bills what changed in an earlier,
    closed month: a lesson marked late adds to it, a billed mark taken back subtracts (its
    amounts and lessons are then negative). The closed month's own invoice never changes.

    Which charges a line bills is a rule, not a row per charge (`selectors.line_charges`): the
    charges of its contract billed in its close's month for the month it names (its close's
    own, or `corrects_month`), less — on a correction line — the charges of the contract billed
    in `corrects_month` and taken back since, billed back in its close's month. A charge's
    contract, months and amounts never change, a month's charges are frozen from the moment
    its close begins (`month_close.month_hold_open`), and a close bills each provider once (one
    invoice per provider and close, one line per contract and month): so each charge is on one
    line, once, and a region's close writes a line per contract, not a row per lesson.
    """

    # A region's close writes 150,000 lines, each into every index of the table, so it has
    # two: the primary key and the constraint below, which also finds an invoice's lines.
    # Nothing looks lines up by their contract (a contract is never deleted: its charges and
    # lines protect it), so that foreign key has no index of its own either.
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        related_name="lines",
        verbose_name="счёт",
        db_index=False,
    )
    contract = models.ForeignKey(
        "enrollment.Contract",
        on_delete=models.PROTECT,
        related_name="invoice_lines",
        verbose_name="договор",
        db_index=False,
    )
    contract_number = models.CharField("договор", max_length=30)
    child_initials = models.CharField("ребёнок", max_length=60)
    program_title = models.CharField("программа", max_length=300)
    group_name = models.CharField("группа", max_length=200)
    corrects_month = models.DateField("корректировка за месяц", null=True, blank=True)
    lessons_planned = models.PositiveIntegerField("занятий по расписанию")
    lessons_attended = models.IntegerField("посещено")
    certificate_amount = models.BigIntegerField("за счёт сертификата, коп.")
    parent_amount = models.BigIntegerField("доплата родителя, коп.")

    class Meta:
        verbose_name = "строка счёта"
        verbose_name_plural = "строки счёта"
        ordering = ["invoice", "program_title", "group_name", "child_initials", "pk"]
        constraints = [
            # One line per contract and month it bills on an invoice: the month's own line
            # (corrects_month NULL) counted as one more month, since two NULLs are never
            # equal in a unique index (PostgreSQL 15's NULLS NOT DISTINCT says the same, but
            # SQLite has no word for it).
            models.UniqueConstraint(
                F("invoice"),
                F("contract"),
                Coalesce(F("corrects_month"), Value(OWN_MONTH)),
                name="invoice_line_per_contract_and_month",
            ),
            models.CheckConstraint(
                condition=Q(corrects_month__isnull=False)
                | Q(certificate_amount__gte=0, parent_amount__gte=0, lessons_attended__gte=0),
                name="invoice_line_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice}: {self.contract_number}"


class InvoiceDocumentKind(models.TextChoices):
    INVOICE_PDF = "invoice_pdf", "Счёт на оплату (PDF)"
    ACT_PDF = "act_pdf", "Акт об оказанных услугах (PDF)"
    LINES_XLSX = "lines_xlsx", "Строки счёта (XLSX)"


class InvoiceDocument(models.Model):
    """A document of an invoice as it was rendered when issued, with its SHA-256: stored once,
    never regenerated, so what a provider downloads today is what the operator approved."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="documents", verbose_name="счёт"
    )
    kind = models.CharField("документ", max_length=20, choices=InvoiceDocumentKind.choices)
    filename = models.CharField("имя файла", max_length=200)
    content = models.BinaryField("содержимое")
    sha256 = models.CharField("контрольная сумма SHA-256", max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="сформирован")

    class Meta:
        verbose_name = "документ счёта"
        verbose_name_plural = "документы счетов"
        constraints = [
            models.UniqueConstraint(fields=["invoice", "kind"], name="invoice_document_once"),
        ]

    def __str__(self) -> str:
        return self.filename


class InvoicePayment(models.Model):
    """A payment order that paid (part of) an invoice: its number and date, what it paid, who
    recorded it and when.

    One row per invoice and payment order (a unique constraint): the same order entered twice,
    or a bank statement loaded again, pays once. Never changed nor deleted.
    """

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name="счёт"
    )
    amount = models.BigIntegerField("сумма, коп.")
    order_number = models.CharField("номер платёжного поручения", max_length=6)
    order_date = models.DateField("дата платёжного поручения")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто отметил",
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField("отмечено", default=timezone.now)

    class Meta:
        verbose_name = "оплата счёта"
        verbose_name_plural = "оплаты счетов"
        ordering = ["order_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "order_number", "order_date"],
                name="invoice_payment_order_once",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"Платёжное поручение № {self.order_number} от {self.order_date:%d.%m.%Y}"


class InvoicePaymentReversal(models.Model):
    """A payment recorded by mistake (a wrong invoice, amount or order), taken back by an
    operator with the reason: the ledger's payment is reversed (paid back to payable) and the
    invoice owes the amount again. The payment row itself is never changed; one reversal per
    payment (the unique payment)."""

    payment = models.OneToOneField(
        InvoicePayment,
        verbose_name="оплата",
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    reason = models.CharField("причина", max_length=500)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто сторнировал",
        on_delete=models.PROTECT,
        related_name="+",
    )
    reversed_at = models.DateTimeField("сторнировано", default=timezone.now)

    class Meta:
        verbose_name = "сторно оплаты счёта"
        verbose_name_plural = "сторно оплат счетов"
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""), name="invoice_payment_reversal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Сторно: {self.payment}"


class Advance(models.Model):
    """An advance (аванс) paid to a provider early in a month, up to the financing program's
    share of the month's expected certificate charges.

    One per payer, provider and month (a unique constraint). The month's invoice nets it off
    (`AdvanceNetting`); what the month's charges do not cover stays the provider's debt and
    is netted off the next invoices, oldest advance first.
    """

    municipality = models.ForeignKey(
        "common.Municipality",
        verbose_name="плательщик",
        on_delete=models.PROTECT,
        related_name="advances",
    )
    provider = models.ForeignKey(
        "providers.Provider",
        verbose_name="поставщик",
        on_delete=models.PROTECT,
        related_name="advances",
    )
    month = models.DateField("месяц")
    expected_amount = models.BigIntegerField("ожидаемые списания месяца, коп.")
    percent = models.PositiveSmallIntegerField("доля аванса, %")
    amount = models.BigIntegerField("сумма аванса, коп.")
    netted = models.BigIntegerField("зачтено, коп.", default=0)
    order_number = models.CharField("номер платёжного поручения", max_length=6)
    order_date = models.DateField("дата платёжного поручения")
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="кто отметил",
        on_delete=models.PROTECT,
        related_name="+",
    )
    paid_at = models.DateTimeField("отмечено", default=timezone.now)

    class Meta:
        verbose_name = "аванс поставщику"
        verbose_name_plural = "авансы поставщикам"
        ordering = ["month", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "provider", "month"], name="advance_one_per_month"
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0, netted__gte=0, netted__lte=F("amount")) & Q(month__day=1),
                name="advance_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(amount__lte=F("expected_amount") * F("percent") / 100),
                name="advance_within_share",
            ),
        ]

    def __str__(self) -> str:
        return f"Аванс за {self.month:%m.%Y}: {self.provider}"

    @property
    def outstanding(self) -> int:
        """What is not netted off an invoice yet, in kopecks."""
        return self.amount - self.netted


class AdvanceNetting(models.Model):
    """How much of an advance an invoice netted off, once per invoice and advance."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="nettings", verbose_name="счёт"
    )
    advance = models.ForeignKey(
        Advance, on_delete=models.PROTECT, related_name="nettings", verbose_name="аванс"
    )
    amount = models.BigIntegerField("зачтено, коп.")

    class Meta:
        verbose_name = "зачёт аванса"
        verbose_name_plural = "зачёты авансов"
        constraints = [
            models.UniqueConstraint(fields=["invoice", "advance"], name="advance_netting_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="advance_netting_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.invoice}: {self.advance}"
