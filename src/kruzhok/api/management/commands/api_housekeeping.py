from typing import Any

from django.core.management.base import BaseCommand

from kruzhok.api.services import api_housekeeping


class Command(BaseCommand):
    help = (
        "Удаляет сохранённые ответы на запросы с Idempotency-Key старше суток и записи "
        "об удалённых объектах старше 180 дней. Запускайте раз в сутки (cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = api_housekeeping()
        self.stdout.write(
            f"удалено ответов: {done.answers}; записей об удалённых объектах: {done.tombstones}"
        )
