from django.conf import settings
from django.db import models


class Notification(models.Model):
    """A message to a person about something that concerns them, shown in the cabinet and
    sent by e-mail once the change it describes is committed (the unsent rows are the
    letters' queue: see `notifications.services`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name="получатель",
    )
    subject = models.CharField("тема", max_length=200)
    body = models.TextField("текст")
    link = models.CharField("ссылка", max_length=300, blank=True)
    created_at = models.DateTimeField("создано", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("прочитано", null=True, blank=True)
    emailed_at = models.DateTimeField("отправлено письмом", null=True, blank=True)
    # Why the mail server refused this letter for good (a bad address); it is not retried.
    email_error = models.CharField("ошибка отправки письма", max_length=300, blank=True)

    class Meta:
        verbose_name = "уведомление"
        verbose_name_plural = "уведомления"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            # The letters' queue: what the sender looks for on every pass.
            models.Index(
                fields=["id"],
                condition=models.Q(emailed_at=None, email_error=""),
                name="notification_email_queue",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class Letter(models.Model):
    """A letter in the outbox that is not a cabinet notification: an e-mail confirmation link,
    a staff invitation, a password reset. Django's `send_mail` writes it here (the outbox
    backend, `notifications.outbox`) inside the request's transaction; the
    `kruzhok notifications_send` worker delivers it. Its body carries a link that confirms or
    lets someone in, so it is erased once the letter has left."""

    from_email = models.CharField("отправитель", max_length=254)
    recipients = models.JSONField("получатели")
    subject = models.CharField("тема", max_length=998)
    body = models.TextField("текст", blank=True)
    html_body = models.TextField("текст HTML", blank=True)
    created_at = models.DateTimeField("создано", auto_now_add=True)
    sent_at = models.DateTimeField("отправлено", null=True, blank=True)
    # Why the mail server refused this letter for good (a bad address); it is not retried.
    error = models.CharField("ошибка отправки", max_length=300, blank=True)

    class Meta:
        verbose_name = "письмо"
        verbose_name_plural = "письма"
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(sent_at=None, error=""),
                name="letter_queue",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
