"""`kruzhok billing close-month <municipality> <YYYY-MM>`: close a month from the server's
console, with a progress bar (see `billing.month_close`); safe to run again — a close that
was stopped resumes, a closed month is said to be closed."""

import datetime
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kruzhok.billing.management.commands.period import municipality_arg
from kruzhok.billing.models import MonthClosure, MonthClosureStatus
from kruzhok.billing.month_close import MonthCloseError, month_close, month_close_run
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

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = municipality_arg(options["municipality"])
        month = _month(options["month"])
        running = MonthClosure.objects.filter(
            municipality=municipality, month=month, status=MonthClosureStatus.RUNNING
        ).first()
        with tqdm(desc=f"Счета за {month_name(month)}", unit=" пост.", file=self.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            try:
                if running is not None:
                    closure = month_close_run(closure_id=running.pk, progress=progress)
                else:
                    closure = month_close(
                        actor=None, municipality=municipality, month=month, progress=progress
                    )
            except MonthCloseError as refusal:
                raise CommandError(str(refusal)) from refusal
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
