from django.conf import settings
from django.db import models


class AttendanceMark(models.Model):
    """A teacher's mark: did the child under this contract attend this lesson."""

    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.PROTECT, related_name="marks")
    contract = models.ForeignKey(
        "enrollment.Contract", on_delete=models.PROTECT, related_name="attendance_marks"
    )
    present = models.BooleanField("присутствовал")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
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


class LessonChangeKind(models.TextChoices):
    CANCELLED = "cancelled", "Отменено"
    MOVED = "moved", "Перенесено"


class LessonChange(models.Model):
    """A lesson cancelled or moved by the provider: who, when, why, and where it was before.

    A moved lesson keeps its row (and its marks' history) and gets the new date and time; the
    slot it left is remembered here so that generating lessons from the schedule again does not
    put a lesson back there.
    """

    lesson = models.ForeignKey("catalog.Lesson", on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField("что изменено", max_length=20, choices=LessonChangeKind.choices)
    from_date = models.DateField("была дата")
    from_time = models.TimeField("было время")
    to_date = models.DateField("новая дата", null=True, blank=True)
    to_time = models.TimeField("новое время", null=True, blank=True)
    reason = models.TextField("причина", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="кто", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        verbose_name = "изменение занятия"
        verbose_name_plural = "изменения занятий"
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="cancelled", to_date__isnull=True, to_time__isnull=True)
                    | models.Q(kind="moved", to_date__isnull=False, to_time__isnull=False)
                ),
                name="lesson_change_target_matches_kind",
            ),
        ]
        indexes = [models.Index(fields=["kind", "from_date"])]

    def __str__(self) -> str:
        return f"{self.lesson}: {self.get_kind_display().lower()}"
