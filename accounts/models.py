from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from .event_tags import tag_label

username_validator = RegexValidator(
    r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\Z",
    "A username may contain only letters, numbers, '.', '_' and '-', "
    "and must start and end with a letter or number.",
)


def username_not_an_organization(value):
    """Refuse an organisation's name as a username (the admin, createsuperuser); registration asks `names` itself."""
    if NameClaim.objects.filter(name=fold_name(value), kind=NameClaim.Kind.ORGANIZATION).exists():
        raise ValidationError(name_taken_message(value, NameClaim.Kind.ORGANIZATION), code="name_taken")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)

    def create_user(self, username, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        user = self.model(username=username, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self.create_user(username, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """An account. Its email addresses live in `Email`; exactly one is primary."""

    username = models.CharField(
        max_length=50, unique=True, validators=[username_validator, username_not_an_organization]
    )
    name = models.CharField("full name", max_length=100, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(
        default=True, help_text=gettext_lazy("Clear to freeze the account: its sessions and tokens stop working.")
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def __str__(self):
        return self.username

    def get_full_name(self):
        return self.name or self.username

    def get_short_name(self):
        return self.username

    @property
    def primary_email(self):
        """The primary `Email` row, or None."""
        return next((e for e in self.emails.all() if e.primary), None)

    def save(self, *args, **kwargs):
        """Save, and hold the username in the one namespace of names (`NameClaim`) in the same transaction.

        Every way an account is made or renamed (registration, the admin,
        createsuperuser) passes here; a name an organisation holds makes the
        claim, and so the save, fail with IntegrityError.
        """
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" not in update_fields:
            return super().save(*args, **kwargs)
        adding = self._state.adding
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            NameClaim.hold_for_user(self, new=adding)


def name_taken_message(name, holder):
    """The one message for a name that is taken, saying by what kind of holder."""
    if holder == NameClaim.Kind.ORGANIZATION:
        return gettext("The name %(name)s is already taken by an organisation. Choose another one.") % {"name": name}
    return gettext("The name %(name)s is already taken by an account. Choose another one.") % {"name": name}


def fold_name(name):
    """A username or organisation name as names are compared: letter case does not count."""
    return (name or "").strip().lower()


class NameClaim(models.Model):
    """A name taken in the one namespace of usernames and organisation names.

    Written in the transaction that creates (or renames) the account or the
    organisation, so the unique folded name decides between two requests at
    once, whatever kind each is. Accounts own their claim (it goes with the
    account); an organisation's claim carries only its name, as accounts know
    nothing of organisations.
    """

    class Kind(models.TextChoices):
        USER = "user", gettext_lazy("Account")
        ORGANIZATION = "organization", gettext_lazy("Organisation")

    name = models.CharField(max_length=50, unique=True, help_text=gettext_lazy("The name in lower case."))
    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.CASCADE, related_name="name_claim")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="user", user__isnull=False) | Q(kind="organization", user__isnull=True),
                name="accounts_nameclaim_holder_matches_kind",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.kind})"

    @classmethod
    def hold_for_user(cls, user, *, new):
        """Claim `user`'s username for them, or move their claim to it after a rename."""
        name = fold_name(user.username)
        if new or not cls.objects.filter(user=user).update(name=name):
            cls.objects.create(name=name, kind=cls.Kind.USER, user=user)


class Email(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField(max_length=254)
    primary = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-primary", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_email_ci_unique"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(primary=True), name="accounts_email_one_primary"
            ),
        ]

    def __str__(self):
        return self.email


class SecurityEvent(models.Model):
    """One sensitive action. Written only through `accounts.events.record_event`."""

    # No `choices`: each app declares its tags in its events.py, not in a migration (record_event validates them).
    tag = models.CharField(max_length=64, db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="security_events"
    )
    # Another person the action was done to (invited, given or stripped of a role):
    # the event shows in their own history too.
    target_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="security_events_about"
    )
    # The normalized project name, so accounts need not depend on packages.
    project_name = models.CharField(max_length=255, blank=True, db_index=True)
    # The organisation's name, for its history (accounts need not know organisations either).
    organization_name = models.CharField(max_length=50, blank=True, db_index=True)
    time = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["user", "-time"]), models.Index(fields=["project_name", "-time"])]

    def __str__(self):
        return f"{self.tag} {self.time:%Y-%m-%d %H:%M:%S}"

    def get_tag_display(self):
        """The tag in words, in the reader's language (the tag itself for one no longer declared)."""
        return tag_label(self.tag)


class RateLimitCounter(models.Model):
    """One window's count of hits for one rate-limit key (accounts/ratelimit/stores.py).

    The rate limits' own table, not the cache: a cache culls entries when it is
    full, and a flood of new keys would cull an account's lockout with them.
    A row is deleted only once its window can no longer be counted (`expires`).
    """

    key = models.CharField(max_length=160, primary_key=True)
    hits = models.IntegerField(default=0)
    expires = models.BigIntegerField(db_index=True)  # Unix time after which the row is never read

    def __str__(self):
        return f"{self.key}: {self.hits}"


class AccountSession(models.Model):
    """One signed-in browser session of an account: what its owner sees in the list of sessions, and ends.

    Holds a digest of the session key, never the key. The session itself keeps
    this row's id; a session whose row is gone is signed out on its next
    request (accounts/sessions/middleware.py), so deleting the row ends it.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_sessions")
    key_digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)

    class Meta:
        ordering = ["-last_seen", "-id"]
        indexes = [models.Index(fields=["user", "-last_seen"])]

    def __str__(self):
        return f"{self.user} {self.created:%Y-%m-%d %H:%M}"


# Invitations to create an account belong to this app (accounts/account_invitations/models.py).
from .account_invitations.models import AccountInvitation  # noqa: E402, F401
