"""`kruzhok ledger check`: audit the ledger against its transfers; non-zero exit on a violation."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from kruzhok.certificates.management.audit import ledger_audit


class Command(BaseCommand):
    help = "Ledger maintenance. `check`: recompute every total from the transfers and compare."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser(
            "check",
            help=(
                "recompute account and hold totals from transfers; check the zero sum, "
                "no overdraft and unique idempotency keys"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "check":
            self.check_ledger()

    def check_ledger(self) -> None:
        # Every check reads one snapshot, so transfers committed meanwhile cannot make a
        # consistent ledger look broken (SQLite: one transaction is one snapshot already).
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            results = ledger_audit()
        for result in results:
            style = self.style.SUCCESS if result.ok else self.style.ERROR
            self.stdout.write(style(result.line()))
        failed = [r.name for r in results if not r.ok]
        if failed:
            raise CommandError(f"ledger check failed: {', '.join(failed)}", returncode=1)
