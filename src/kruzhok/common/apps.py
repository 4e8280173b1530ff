from django.apps import AppConfig
from django.urls import register_converter


class CommonConfig(AppConfig):
    name = "kruzhok.common"
    verbose_name = "Общие справочники"

    def ready(self) -> None:
        from kruzhok.common.bounds import IdConverter

        # `<id:pk>` in every app's URLs: an identifier that overflows the database is a 404.
        register_converter(IdConverter, "id")
