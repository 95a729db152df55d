from django.utils.functional import SimpleLazyObject

from okno.accounts.models import User


def bell(request):
    """The unread count on the top bar's bell (counted only if a page shows it)."""
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}

    def count():
        from okno.notifications.services import unread_count_cached

        return unread_count_cached(user)

    return {"notifications_unread": SimpleLazyObject(count)}
