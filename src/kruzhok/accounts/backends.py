"""Log-in by e-mail and password is Django's ModelBackend as it ships (the e-mail is the
user model's USERNAME_FIELD), behind django-axes' throttling; settings list both."""

# What a view that logs a person in without a password (just registered, just joined) names:
# with two backends configured, `login()` must be told which one vouches for the person.
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"
