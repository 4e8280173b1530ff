from django.core import mail
from django.db import transaction
from django.urls import reverse

from kruzhok.enrollment.tests.world import user_make
from kruzhok.notifications.models import Notification
from kruzhok.notifications.services import notification_mark_read, notify


def test_a_notification_is_emailed_only_after_the_commit(db, django_capture_on_commit_callbacks):
    user = user_make()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(user=user, subject="Заявка принята", body="Место за ребёнком.", link="/cabinet/")
        assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Кружок: Заявка принята"
    assert "/cabinet/" in mail.outbox[0].body
    assert Notification.objects.get().emailed_at is not None


def test_a_rolled_back_change_leaves_no_notification_and_no_email(transactional_db):
    user = user_make()
    try:
        with transaction.atomic():
            notify(user=user, subject="Заявка принята", body="...")
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert not Notification.objects.exists()
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
