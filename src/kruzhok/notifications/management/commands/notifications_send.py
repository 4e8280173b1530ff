import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from kruzhok.notifications.services import letter_emails_send, notification_emails_send


class Command(BaseCommand):
    help = (
        "Отправляет письма из очереди (подтверждение адреса, приглашения, восстановление "
        "пароля) и письма уведомлений, которые ещё не отправлены. Без --loop отправляет всё, "
        "что накопилось, и завершается (cron); с --loop работает постоянно и проверяет очередь "
        "раз в --interval секунд. Можно запускать несколько экземпляров."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="работать постоянно")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="пауза при пустой очереди, секунд"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        total = 0
        pause = options["interval"]
        while not stopping:
            sent = letter_emails_send() + notification_emails_send()
            total += sent
            if sent:
                pause = options["interval"]
                continue
            if not options["loop"]:
                break
            close_old_connections()
            time.sleep(pause)
        self.stdout.write(f"писем отправлено: {total}")
