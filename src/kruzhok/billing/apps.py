from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "kruzhok.billing"
    verbose_name = "Начисления и расчёты"

    def ready(self) -> None:
        from kruzhok.billing.selectors import withdrawal_closed_month_message
        from kruzhok.enrollment.withdrawal import withdrawal_closed_month_connect

        # Enrolment sits below billing: it learns about closed months through this hook.
        withdrawal_closed_month_connect(withdrawal_closed_month_message)
