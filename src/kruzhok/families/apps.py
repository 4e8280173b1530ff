from django.apps import AppConfig


class FamiliesConfig(AppConfig):
    name = "kruzhok.families"
    verbose_name = "Семьи и дети"
