import io
import smtplib
from typing import Any

from django.core import mail
from django.core.mail.backends import locmem
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kruzhok.accounts.models import User
from kruzhok.enrollment.tests.world import user_make
from kruzhok.notifications.models import Notification
from kruzhok.notifications.selectors import notification_unread_count
from kruzhok.notifications.services import (
    notification_emails_send,
    notification_mark_read,
    notify,
)


def test_a_notification_is_emailed_by_the_sender_once(db):
    user = user_make()
    notify(user=user, subject="Заявка принята", body="Место за ребёнком.", link="/cabinet/")
    assert mail.outbox == []
    assert notification_emails_send() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Кружок: Заявка принята"
    assert mail.outbox[0].to == [user.email]
    assert "/cabinet/" in mail.outbox[0].body
    assert Notification.objects.get().emailed_at is not None
    assert notification_emails_send() == 0
    assert len(mail.outbox) == 1


def test_the_sender_sends_oldest_first_in_batches(db):
    user = user_make()
    for n in range(5):
        notify(user=user, subject=f"Уведомление {n}", body="Текст")
    assert notification_emails_send(batch=3) == 3
    assert notification_emails_send(batch=3) == 2
    assert [m.subject for m in mail.outbox] == [f"Кружок: Уведомление {n}" for n in range(5)]


class _DownServer(locmem.EmailBackend):
    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("the mail server is down")


class _RefusingServer(locmem.EmailBackend):
    def send_messages(self, messages: Any) -> int:
        if "плохой" in messages[0].to[0]:
            raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (550, b"no such user")})
        return super().send_messages(messages)


def test_letters_wait_while_the_mail_server_is_down(db, settings):
    notify(user=user_make(), subject="Заявка принята", body="Текст")
    settings.EMAIL_BACKEND = f"{__name__}._DownServer"
    assert notification_emails_send() == 0
    assert Notification.objects.get().emailed_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_emails_send() == 1
    assert len(mail.outbox) == 1


def test_a_refused_address_is_set_aside_and_the_queue_moves_on(db, settings):
    bad, good = user_make(), user_make()
    User.objects.filter(pk=bad.pk).update(email="плохой@example.ru")
    notify(user=bad, subject="Первое", body="Текст")
    notify(user=good, subject="Второе", body="Текст")
    settings.EMAIL_BACKEND = f"{__name__}._RefusingServer"
    assert notification_emails_send() == 1
    assert [m.to for m in mail.outbox] == [[good.email]]
    refused = Notification.objects.get(user=bad)
    assert refused.emailed_at is None and "no such user" in refused.email_error
    assert notification_emails_send() == 0


def test_the_worker_command_drains_the_queue(db):
    user = user_make()
    for n in range(3):
        notify(user=user, subject=f"Уведомление {n}", body="Текст")
    out = io.StringIO()
    call_command("notifications_send", stdout=out)
    assert "писем отправлено: 3" in out.getvalue()
    assert len(mail.outbox) == 3


def test_a_rolled_back_change_leaves_no_notification_and_no_email(transactional_db):
    user = user_make()
    try:
        with transaction.atomic():
            notify(user=user, subject="Заявка принята", body="...")
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert not Notification.objects.exists()
    assert notification_emails_send() == 0
    assert mail.outbox == []


def test_the_cabinet_lists_only_ones_own_notifications(client, db):
    me, other = user_make(), user_make()
    notify(user=me, subject="Моё", body="Текст")
    notify(user=other, subject="Чужое", body="Текст")
    client.force_login(me)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Моё" in page and "Чужое" not in page
    client.post(reverse("notifications:read_all"))
    assert notification_mark_read(user=me) == 0
    assert Notification.objects.get(user=other).read_at is None


def test_the_unread_badge_counts_ones_own_unread_notifications(
    db, django_capture_on_commit_callbacks
):
    me, other = user_make(), user_make()
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            notify(user=me, subject=f"Моё {n}", body="Текст")
        notify(user=other, subject="Чужое", body="Текст")
    assert notification_unread_count(user=me) == 3
    with django_capture_on_commit_callbacks(execute=True):
        first = Notification.objects.filter(user=me).first().pk
        notification_mark_read(user=me, notification_id=first)
    assert notification_unread_count(user=me) == 2
    with django_capture_on_commit_callbacks(execute=True):
        notification_mark_read(user=me)
    assert notification_unread_count(user=me) == 0
    assert notification_unread_count(user=other) == 1


def test_the_badge_is_counted_once_until_the_persons_notifications_change(
    db, django_capture_on_commit_callbacks
):
    me, other = user_make(), user_make()
    assert notification_unread_count(user=me) == 0
    with CaptureQueriesContext(connection) as queries:
        assert notification_unread_count(user=me) == 0
    assert len(queries) == 0

    with django_capture_on_commit_callbacks(execute=True):
        notify(user=other, subject="Чужое", body="Текст")
    with CaptureQueriesContext(connection) as queries:
        assert notification_unread_count(user=me) == 0
    assert len(queries) == 0

    with django_capture_on_commit_callbacks(execute=True):
        notify(user=me, subject="Моё", body="Текст")
    assert notification_unread_count(user=me) == 1
    with django_capture_on_commit_callbacks(execute=True):
        notification_mark_read(user=me)
    assert notification_unread_count(user=me) == 0


def test_the_badge_on_a_page_shows_a_notification_committed_after_it_was_counted(
    client, db, django_capture_on_commit_callbacks
):
    me = user_make()
    client.force_login(me)
    assert "Новых:" not in client.get(reverse("catalog:list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=me, subject="Заявка принята", body="Текст")
    assert "Новых: 1" in client.get(reverse("catalog:list")).content.decode()
