"""Input checks of the owners' management pages."""

from django import forms


class YankForm(forms.Form):
    release = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason (optional, shown to installers)", required=False, max_length=1000, strip=True
    )


class UnyankForm(forms.Form):
    release = forms.IntegerField(widget=forms.HiddenInput)


class RemoveReleaseForm(forms.Form):
    release = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.CharField(label="Type the version to confirm", max_length=255)


class RemoveFileForm(forms.Form):
    file = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.CharField(label="Type the filename to confirm", max_length=255)


ACTIONS = {
    "yank": YankForm,
    "unyank": UnyankForm,
    "remove-release": RemoveReleaseForm,
    "remove-file": RemoveFileForm,
}


class ProjectDeleteForm(forms.Form):
    confirm = forms.CharField(label="Type the project name to confirm", max_length=255)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["confirm"].label = f"Type {project.name} to confirm"

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip()
        if typed != self.project.name:
            raise forms.ValidationError(f"Type the project name {self.project.name!r} exactly to delete it.")
        return typed
