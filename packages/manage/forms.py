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
