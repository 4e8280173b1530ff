from django.conf import settings
from django.db import models


class AttendanceMark(models.Model):
    """A teacher's mark: did the child under this contract attend this lesson."""

    lesson = models.ForeignKey(
        "catalog.Lesson", on_delete=models.PROTECT, related_name="marks", verbose_name="занятие"
    )
    contract = models.ForeignKey(
        "enrollment.Contract",
        on_delete=models.PROTECT,
        related_name="attendance_marks",
        verbose_name="договор",
    )
    present = models.BooleanField("присутствовал")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="кто отметил",
    )
    marked_at = models.DateTimeField("отмечено", auto_now=True)

    class Meta:
        verbose_name = "отметка посещения"
        verbose_name_plural = "отметки посещения"
        constraints = [
            models.UniqueConstraint(fields=["lesson", "contract"], name="mark_one_per_lesson"),
        ]

    def __str__(self) -> str:
        return f"{self.lesson}: {'был' if self.present else 'не был'}"
