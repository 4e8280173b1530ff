"""`kruzhok export navigator-feed [--since ISO] [--municipality ID] [--output FILE]`: the
federal Navigator's package (docs/navigator-feed.md), the same bytes as
`GET /api/v1/feeds/navigator`; `kruzhok export navigator-schema` writes its JSON Schema (kept
in docs/navigator-feed.schema.json)."""

import datetime
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kruzhok.api.navigator import navigator_feed
from kruzhok.api.navigator_schema import navigator_json_schema
from kruzhok.common.models import Municipality


class Command(BaseCommand):
    help = "Выгрузки для других систем. `navigator-feed`: пакет для федерального Навигатора."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        feed = actions.add_parser(
            "navigator-feed",
            help="регионы, поставщики, программы, группы и расписания в формате пакета "
            "федерального Навигатора (JSON)",
        )
        feed.add_argument(
            "--since",
            help="только изменённое после этого момента (ISO 8601, например "
            "2026-11-01T00:00:00+03:00), удалённое — с isDeleted; без него — полная выгрузка",
        )
        feed.add_argument("--municipality", type=int, help="id муниципалитета; без него — регион")
        feed.add_argument("--output", help="файл; без него — стандартный вывод")
        schema = actions.add_parser(
            "navigator-schema", help="JSON Schema пакета (docs/navigator-feed.schema.json)"
        )
        schema.add_argument("--output", help="файл; без него — стандартный вывод")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "navigator-schema":
            text = json.dumps(navigator_json_schema(), ensure_ascii=False, indent=2) + "\n"
            self._write([text], options["output"])
            return
        since = _since(options["since"]) if options["since"] else None
        municipality_id = options["municipality"]
        if (
            municipality_id is not None
            and not Municipality.objects.filter(pk=municipality_id).exists()
        ):
            raise CommandError(f"Муниципалитет с id {municipality_id} не найден.")
        self._write(navigator_feed(since=since, municipality_id=municipality_id), options["output"])

    def _write(self, chunks: Iterable[str], output: str | None) -> None:
        """To standard output, or to a file that appears whole (written beside it, then
        renamed), so that a reader never takes half a package for the whole."""
        if not output:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            self.stdout.flush()
            return
        target = Path(output)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                for chunk in chunks:
                    file.write(chunk)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _since(value: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--since «{value}»: нужны дата и время в ISO 8601, например 2026-11-01T00:00:00+03:00."
        ) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
