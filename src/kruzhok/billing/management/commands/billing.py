"""`kruzhok billing close-month <municipality> <YYYY-MM>`: close a month from the server's
console, with a progress bar (see `billing.month_close`); safe to run again — a close that
was stopped resumes, a closed month is said to be closed."""

import datetime
import re
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kruzhok.billing.management.commands.period import municipality_arg
from kruzhok.billing.models import MonthClosure, MonthClosureStatus
from kruzhok.billing.month_close import (
    MonthCloseError,
    closure_documents_issue,
    month_close,
    month_close_run,
)
from kruzhok.billing.tasks import closure_documents_task
from kruzhok.common.money import format_kopecks as rub
from kruzhok.common.months import month_name


class Command(BaseCommand):
    help = "Расчёты с поставщиками. `close-month`: закрыть прошедший месяц и выставить счета."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        close = actions.add_parser(
            "close-month",
            help="заморозить посещаемость месяца и выставить каждому поставщику счёт за него",
        )
        close.add_argument("municipality", help="id или точное название муниципалитета")
        close.add_argument("month", help="месяц в виде ГГГГ-ММ, например 2026-10")
        close.add_argument(
            "--documents",
            choices=("now", "later"),
            default="now",
            help="сформировать PDF и XLSX счетов сразу (now) или поручить фоновому "
            "обработчику задач (later: kruzhok db_worker)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = municipality_arg(options["municipality"])
        month = _month(options["month"])
        documents_now = options["documents"] == "now"
        running = MonthClosure.objects.filter(
            municipality=municipality, month=month, status=MonthClosureStatus.RUNNING
        ).first()
        started = time.monotonic()
        with tqdm(desc=f"Счета за {month_name(month)}", unit=" пост.", file=self.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            try:
                if running is not None:
                    closure = month_close_run(
                        closure_id=running.pk, progress=progress, documents=False
                    )
                else:
                    closure = month_close(
                        actor=None,
                        municipality=municipality,
                        month=month,
                        progress=progress,
                        documents=False,
                    )
            except MonthCloseError as refusal:
                raise CommandError(str(refusal)) from refusal
        # The billing's own time, without the process's start (the worker that closes a month
        # from the operator's page is started once): `make bench-billing` reads it.
        billed_in = f"{time.monotonic() - started:.3f}".replace(".", ",")
        self.stdout.write(f"Счета выставлены за {billed_in} с.")
        if documents_now:
            with tqdm(desc="Документы счетов", unit=" счёт", file=self.stderr) as bar:

                def rendered(done: int, total: int) -> None:
                    bar.total = total
                    bar.n = done
                    bar.refresh()

                try:
                    closure_documents_issue(closure_id=closure.pk, progress=rendered)
                except MonthCloseError as refusal:
                    raise CommandError(str(refusal)) from refusal
        else:
            closure_documents_task.enqueue(closure_id=closure.pk)
            self.stdout.write("Документы счетов сформирует фоновый обработчик задач.")
        invoices = list(closure.invoices.all())
        self.stdout.write(self.style.SUCCESS(f"Месяц {month_name(month)} закрыт ({municipality})."))
        self.stdout.write(
            f"счетов: {len(invoices)} на {rub(sum(i.certificate_amount for i in invoices))} "
            f"за счёт сертификатов; доплата родителей: "
            f"{rub(sum(i.parent_amount for i in invoices))}"
        )


def _month(value: str) -> datetime.date:
    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CommandError(f"Месяц «{value}»: нужен вид ГГГГ-ММ, например 2026-10.")
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)
