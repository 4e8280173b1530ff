from django.apps import AppConfig


class CabinetConfig(AppConfig):
    """The parent's personal cabinet: pages composed of families, certificates and enrolment."""

    name = "kruzhok.cabinet"
    verbose_name = "Личный кабинет"
