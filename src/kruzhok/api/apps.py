from django.apps import AppConfig


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "kruzhok.api"
    verbose_name = "Программный интерфейс (API)"

    def ready(self) -> None:
        from kruzhok.api import tombstones

        tombstones.connect()
