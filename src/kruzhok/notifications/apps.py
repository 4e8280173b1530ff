from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "kruzhok.notifications"
    verbose_name = "Уведомления"
