"""`kruzhok financing_changes_apply`: bring in the financing programs' changes whose day has
come (cron, once a night or more often; running it again changes nothing)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from kruzhok.certificates.financing import financing_changes_apply


class Command(BaseCommand):
    help = "Ввести в действие изменения программ финансирования, дата которых наступила."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic(durable=True):
            applied = financing_changes_apply(day=timezone.localdate())
        self.stdout.write(f"financing changes applied: {applied}")
