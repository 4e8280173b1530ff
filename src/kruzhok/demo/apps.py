from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo municipality: the top layer, it may use every app below it."""

    name = "kruzhok.demo"
    verbose_name = "Демо-муниципалитет"
