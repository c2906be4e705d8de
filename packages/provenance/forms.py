"""The Owner's provenance policy switch (input checks only)."""

from django import forms
from django.utils.translation import gettext_lazy


class ProvenancePolicyForm(forms.Form):
    provenance = forms.ChoiceField(
        label=gettext_lazy("Provenance policy"),
        choices=[
            ("optional", gettext_lazy("Accept files with or without attestations")),
            (
                "required",
                gettext_lazy(
                    "Every new file must carry a verified attestation from one of this project's trusted publishers"
                ),
            ),
        ],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, initial={"provenance": "required" if project.provenance_required else "optional"}, **kwargs)

    @property
    def required(self):
        return self.cleaned_data["provenance"] == "required"
