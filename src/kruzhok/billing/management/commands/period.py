"""`kruzhok period close <municipality> <period>`: close a financing period (see
`billing.periods`) with a progress bar; it joins a close started from the operator's page and
finishes it. Safe to run again, a run with nothing left to do says so."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kruzhok.billing.periods import PeriodCloseError, financing_period_close
from kruzhok.certificates.models import FinancingProgram
from kruzhok.common.models import Municipality
from kruzhok.common.money import format_kopecks as rub


class Command(BaseCommand):
    help = "Периоды финансирования. `close`: закрыть период, который уже закончился."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        close = actions.add_parser(
            "close",
            help=(
                "вернуть неиспользованные остатки сертификатов в бюджет программы, снять "
                "резервы договоров периода, завершить их заявки и отметить период закрытым"
            ),
        )
        close.add_argument("municipality", help="id или точное название муниципалитета")
        close.add_argument("period", help="id программы финансирования или дата начала периода")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "close":
            program = _program(municipality_arg(options["municipality"]), options["period"])
            self.close(program)

    def close(self, program: FinancingProgram) -> None:
        period = f"{program.period_start:%d.%m.%Y}–{program.period_end:%d.%m.%Y}"
        with tqdm(desc=f"Период {period}", unit=" шаг.", file=self.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            try:
                report = financing_period_close(financing_program=program, progress=progress)
            except PeriodCloseError as refusal:
                raise CommandError(str(refusal)) from refusal
        if not report.changed:
            self.stdout.write(f"Период {period} уже закрыт: ничего не изменилось.")
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Период {period} закрыт ({program.municipality}).")
            )
            self.stdout.write(
                f"снято резервов: {report.holds_voided} на {rub(report.voided)}; "
                f"возвращено в бюджет: {rub(report.expired)} "
                f"(сертификатов: {report.certificates_expired}); "
                f"сертификатов переведено в сертификаты учёта: "
                f"{report.certificates_to_accounting}; "
                f"завершено заявок: {report.applications_finished}"
            )
        for pk, why in report.applications_left:
            self.stdout.write(self.style.WARNING(f"заявка №{pk} не завершена: {why}"))


def municipality_arg(value: str) -> Municipality:
    found = (
        Municipality.objects.filter(pk=int(value)).first()
        if value.isdigit()
        else Municipality.objects.filter(name=value).first()
    )
    if found is None:
        raise CommandError(f"Муниципалитет «{value}» не найден (нужен id или точное название).")
    return found


def _program(municipality: Municipality, value: str) -> FinancingProgram:
    programs = FinancingProgram.objects.select_related("municipality").filter(
        municipality=municipality
    )
    if value.isdigit():
        found = programs.filter(pk=int(value)).first()
    else:
        try:
            start = datetime.date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"Период «{value}»: нужен id программы или дата начала, например 2026-09-01."
            ) from None
        found = programs.filter(period_start=start).first()
    if found is None:
        raise CommandError(f"В муниципалитете «{municipality}» нет периода «{value}».")
    return found
