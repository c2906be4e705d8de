"""Input checks of the collaboration pages."""

from django import forms
from django.utils.translation import gettext_lazy

from ..models import ProjectRole

ROLE_CHOICES = [
    (ProjectRole.Role.MAINTAINER, "Maintainer: can upload releases"),
    (ProjectRole.Role.OWNER, "Owner: can upload, manage releases, collaborators and settings"),
]


class InviteForm(forms.Form):
    who = forms.CharField(
        label=gettext_lazy("Username or primary email address"),
        max_length=254,
        help_text=gettext_lazy("The person needs an account here with a verified email address."),
    )
    role = forms.ChoiceField(label=gettext_lazy("Their role"), choices=ROLE_CHOICES, initial=ProjectRole.Role.MAINTAINER)


class RoleChangeForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=gettext_lazy("New role"), choices=ROLE_CHOICES)


class RoleRemoveForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)


class InvitationRevokeForm(forms.Form):
    invitation = forms.IntegerField(widget=forms.HiddenInput)
