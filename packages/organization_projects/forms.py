"""Input checks of the organisation projects page."""

from django import forms
from django.utils.translation import gettext_lazy

from ..models import ProjectRole

TEAM_ROLE_CHOICES = [
    (ProjectRole.Role.MAINTAINER, "Maintainer: can upload releases"),
    (ProjectRole.Role.OWNER, "Owner: can upload, manage releases, collaborators and settings"),
]


class TeamRoleForm(forms.Form):
    project = forms.IntegerField(widget=forms.HiddenInput)
    team = forms.IntegerField(label=gettext_lazy("Team"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=TEAM_ROLE_CHOICES, initial=ProjectRole.Role.MAINTAINER)


class TeamRoleRemoveForm(forms.Form):
    project = forms.IntegerField(widget=forms.HiddenInput)
    team = forms.IntegerField(widget=forms.HiddenInput)


class TransferInForm(forms.Form):
    project = forms.IntegerField(label=gettext_lazy("Project"))
    confirm = forms.CharField(label=gettext_lazy("Type the project's name to confirm"), max_length=255)


class TransferOutForm(forms.Form):
    project = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.CharField(label=gettext_lazy("Type the project's name to confirm"), max_length=255)


class ProjectCreateForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name of the new project"),
        max_length=255,
        help_text=gettext_lazy(
            "Letters, numbers, '.', '_' and '-'. The project is empty until its first upload, "
            "by a member whose team has a role on it or with an organisation token."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
