from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    """Providers: joining the portal, their staff and invitations, bank details, moderation."""

    name = "kruzhok.providers"
    verbose_name = "Поставщики"
