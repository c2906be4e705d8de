from django.contrib.auth.backends import ModelBackend

from .models import User
from .selectors import user_by_login


class UsernameOrEmailBackend(ModelBackend):
    """Password login by username or by any email address on the account, in any letter case."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = user_by_login(username)
        if user is None:
            # Spend the same time as a real check so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
