from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from kruzhok.notifications.selectors import notification_unread_count


def unread_notifications(request: HttpRequest) -> dict[str, object]:
    """The unread count of the person logged in, read when a template first shows it: a page
    that read it already, with other things in one cache round trip, puts its own
    `unread_notifications` in its context, and this one is never read."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: notification_unread_count(user=user))}
