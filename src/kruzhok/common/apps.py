from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "kruzhok.common"
    verbose_name = "Общие справочники"
