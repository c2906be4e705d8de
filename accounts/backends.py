from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .models import User


class UsernameOrEmailBackend(ModelBackend):
    """Password login by username or by any email address on the account, in any letter case."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        login = username.strip()
        user = User.objects.filter(Q(username__iexact=login) | Q(emails__email__iexact=login)).distinct().first()
        if user is None:
            # Spend the same time as a real check so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
