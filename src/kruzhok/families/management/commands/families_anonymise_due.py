from typing import Any

from django.core.management.base import BaseCommand

from kruzhok.families.privacy import family_anonymise_due


class Command(BaseCommand):
    help = (
        "Обезличивает персональные данные семей, которые попросили их удалить, когда истёк "
        "срок хранения их финансовых документов (запускать ежедневно, например из cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = family_anonymise_due()
        self.stdout.write(f"обезличено семей: {done}")
