from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The operator's reports (coverage, certificates, money, providers, programs), the financing
    program editor and the population figures: pages composed of the apps below."""

    name = "kruzhok.reports"
    verbose_name = "Отчёты"
