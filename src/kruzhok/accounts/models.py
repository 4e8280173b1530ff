from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    PARENT = "parent", "Родитель"
    PROVIDER = "provider", "Сотрудник поставщика"
    OPERATOR = "operator", "Муниципальный оператор"
    REGIONAL_ADMIN = "regional_admin", "Региональный администратор"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.OPERATOR)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in: a parent, a provider's staff member or municipal staff."""

    email = models.EmailField("электронная почта", unique=True)
    last_name = models.CharField("фамилия", max_length=100)
    first_name = models.CharField("имя", max_length=100)
    patronymic = models.CharField("отчество", max_length=100, blank=True)
    phone = models.CharField("телефон", max_length=20, blank=True)
    municipality = models.ForeignKey(
        "common.Municipality",
        verbose_name="муниципалитет",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    role = models.CharField("роль", max_length=20, choices=Role.choices, default=Role.PARENT)
    email_confirmed_at = models.DateTimeField("почта подтверждена", null=True, blank=True)
    is_active = models.BooleanField("активен", default=True)
    is_staff = models.BooleanField("доступ к администрированию", default=False)
    date_joined = models.DateTimeField("зарегистрирован", default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["last_name", "first_name"]

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic) if p)

    @property
    def short_name(self) -> str:
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.patronymic) if p)
        return f"{self.last_name} {initials}".strip()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.short_name

    @property
    def is_parent(self) -> bool:
        return self.role == Role.PARENT

    @property
    def is_provider_staff(self) -> bool:
        return self.role == Role.PROVIDER

    @property
    def is_operator(self) -> bool:
        return self.role in (Role.OPERATOR, Role.REGIONAL_ADMIN)


# The version of the consent text a parent agrees to when registering
# (templates/accounts/consent_text.html), and the one provider staff, operators and regional
# administrators agree to at their first log-in (consent_text_staff.html). A new text gets a
# new version, and each consent row keeps the one agreed.
PARENT_CONSENT_VERSION = "1 от 29.11.2026"
STAFF_CONSENT_VERSION = "сотрудник 1 от 29.11.2026"


class PersonalDataConsent(models.Model):
    """A person's consent to the processing of personal data (152-ФЗ, ст. 9): which text
    (its version) they agreed to and when. A new version of the text is a new row."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="consents", verbose_name="кто"
    )
    version = models.CharField("редакция текста согласия", max_length=40)
    given_at = models.DateTimeField("дано", default=timezone.now)

    class Meta:
        verbose_name = "согласие на обработку персональных данных"
        verbose_name_plural = "согласия на обработку персональных данных"
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="consent_once_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.version}"


class RateLimitHit(models.Model):
    """One counted attempt of something limited per client or per person: registrations
    from one address, password-reset letters, refused СНИЛС from one parent. The key is a
    keyed hash of the address or person, never the address itself."""

    scope = models.CharField(max_length=40, verbose_name="что ограничено")
    key = models.CharField(max_length=64, verbose_name="ключ")
    created_at = models.DateTimeField(default=timezone.now, verbose_name="когда")

    class Meta:
        verbose_name = "попытка с ограничением частоты"
        verbose_name_plural = "попытки с ограничением частоты"
        indexes = [models.Index(fields=["scope", "key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.created_at:%d.%m.%Y %H:%M}"
