import time
from typing import Any

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from kruzhok.demo.load import MUNICIPALITY_NAME, demo_exists, demo_load
from kruzhok.notifications.services import notification_emails_send


class Command(BaseCommand):
    help = "Load the demo municipality once (Нефтекумский городской округ) and print log-ins."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_exists():
            self.stdout.write(f"Демо-данные уже загружены: {MUNICIPALITY_NAME}.")
        else:
            self.stdout.write(f"Загружаю демо-данные: {MUNICIPALITY_NAME}…")
            started = time.monotonic()
            # The demo's families and providers are fictional: their notifications stay in the
            # cabinets, and dozens of letters would bury the log-ins printed below, so the
            # queue of letters the load made is drained into the void.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                demo_load()
                while notification_emails_send(batch=500):
                    pass
            self.stdout.write(f"Готово за {time.monotonic() - started:.1f} с.")
        self.stdout.write("")
        self.stdout.write("Демо-входы (пароль у всех одинаковый):")
        for login in demo_load():
            self.stdout.write(
                f"  {login.role:<26} {login.email:<28} {login.password}  — {login.note}"
            )
        self.stdout.write("")
