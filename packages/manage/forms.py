"""Input checks of the owners' management pages."""

from django import forms
from django.utils.translation import gettext, gettext_lazy


class YankForm(forms.Form):
    release = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Reason (optional, shown to installers)"), required=False, max_length=1000, strip=True
    )


class UnyankForm(forms.Form):
    release = forms.IntegerField(widget=forms.HiddenInput)


class RemoveReleaseForm(forms.Form):
    release = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.CharField(label=gettext_lazy("Type the version to confirm"), max_length=255)


class RemoveFileForm(forms.Form):
    file = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.CharField(label=gettext_lazy("Type the filename to confirm"), max_length=255)


ACTIONS = {
    "yank": YankForm,
    "unyank": UnyankForm,
    "remove-release": RemoveReleaseForm,
    "remove-file": RemoveFileForm,
}


class ProjectDeleteForm(forms.Form):
    confirm = forms.CharField(label=gettext_lazy("Type the project name to confirm"), max_length=255)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["confirm"].label = gettext_lazy("Type %(name)s to confirm") % {"name": project.name}

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip()
        if typed != self.project.name:
            raise forms.ValidationError(
                gettext("Type the project name '%(project)s' exactly to delete it.") % {"project": self.project.name}
            )
        return typed


class ProjectVisibilityForm(forms.Form):
    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibility"),
        choices=[
            ("public", gettext_lazy("Public: anyone who can reach the site reads and installs it")),
            ("private", gettext_lazy("Private: only the people and tokens listed above")),
        ],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, initial={"visibility": "private" if project.private else "public"}, **kwargs)

    @property
    def private(self):
        return self.cleaned_data["visibility"] == "private"
