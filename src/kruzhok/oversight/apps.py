from django.apps import AppConfig


class OversightConfig(AppConfig):
    """The operator's pages composed of the apps below: the home page of what needs the
    operator today, the registers and the audit log."""

    name = "kruzhok.oversight"
    verbose_name = "Рабочее место оператора"
