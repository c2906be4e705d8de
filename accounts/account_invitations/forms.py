"""Input checks for inviting a person and for the account they create from the link."""

from django import forms
from django.utils.translation import gettext_lazy

from ..forms import RegistrationForm


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        max_length=254,
        help_text=gettext_lazy(
            "The person receives a link, valid 7 days and usable once, to choose a username and password. "
            "Their account will use this address, already verified."
        ),
    )


class InvitedAccountForm(RegistrationForm):
    """Registration without the email field: the invitation's address is the account's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["email"]
