from django.conf import settings
from django.db import models


class Notification(models.Model):
    """A message to a person about something that concerns them, shown in the cabinet and
    sent by e-mail once the change it describes is committed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField("тема", max_length=200)
    body = models.TextField("текст")
    link = models.CharField("ссылка", max_length=300, blank=True)
    created_at = models.DateTimeField("создано", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)
    emailed_at = models.DateTimeField("отправлено письмом", null=True, blank=True)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.subject
