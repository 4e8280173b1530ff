from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "kruzhok.enrollment"
    verbose_name = "Заявки и договоры"

    def ready(self) -> None:
        # The catalogue's program page says whether each group takes applications now, which
        # the windows decide (catalog cannot import enrollment, so enrollment tells it).
        from kruzhok.catalog.program_page import group_enrolment_connect
        from kruzhok.enrollment.selectors import enrollment_states_of_program

        group_enrolment_connect(enrollment_states_of_program)
