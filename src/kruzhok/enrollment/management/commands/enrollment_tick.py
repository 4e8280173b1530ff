from typing import Any

from django.core.management.base import BaseCommand

from kruzhok.enrollment.clock import enrollment_tick


class Command(BaseCommand):
    help = (
        "Что происходит с заявками само по себе: истекают просроченные оферты, договоры "
        "начинаются с началом занятий группы и завершаются после их окончания, лист ожидания "
        "продвигается на свободные места. Можно запускать сколько угодно раз "
        "(cron, раз в 5–15 минут)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = enrollment_tick()
        self.stdout.write(
            f"оферт истекло: {report.expired}; начали обучение: {report.activated}; "
            f"завершили обучение: {report.finished}; приняты из листа ожидания: {report.promoted}"
        )
