from kruzhok.accounts.models import User
from kruzhok.accounts.validators import normalize_email


def user_email_is_taken(*, email: str) -> bool:
    return User.objects.filter(email__iexact=normalize_email(email)).exists()
