"""Input checks for the token pages. The rules themselves live in services."""

from django.utils.translation import gettext, gettext_lazy
import re
from datetime import datetime, time, timedelta, timezone as dt_timezone

from django import forms
from django.utils import timezone

from . import scopes
from .errors import TokenError
from .issuing import NAME_MAX_LENGTH, NO_PERMISSION, normalize_project_names

EXPIRY_CHOICES = [
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In 365 days"),
    ("date", "On a date I choose"),
    ("never", "Never"),
]


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Token name"),
        max_length=NAME_MAX_LENGTH,
        help_text=gettext_lazy("What the token is for, e.g. “release workflow of my-package”. Unique among your tokens."),
    )
    permissions = forms.MultipleChoiceField(
        label=gettext_lazy("The token may"),
        choices=[("read", gettext_lazy("Read (install)")), ("upload", gettext_lazy("Upload"))],
        widget=forms.CheckboxSelectMultiple,
        initial=["upload"],
        error_messages={"required": NO_PERMISSION},
        help_text=gettext_lazy(
            "A read token installs the projects in its scope with pip, uv or poetry. An upload token publishes to "
            "them, and may also read the projects it may upload to (uploaders need this for --skip-existing and "
            "hatch's probe)."
        ),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"),
        choices=[("account", "Entire account (all projects)"), ("projects", "Only the projects chosen below")],
        widget=forms.RadioSelect,
        initial="projects",
    )
    projects = forms.MultipleChoiceField(
        label=gettext_lazy("Your projects"), required=False, widget=forms.CheckboxSelectMultiple
    )
    new_projects = forms.CharField(
        label=gettext_lazy("Other project names"),
        required=False,
        max_length=2000,
        help_text="Projects that do not exist yet, separated by commas or spaces. "
        "The token may create these projects on its first upload.",
    )
    expiry = forms.ChoiceField(label=gettext_lazy("Expiry"), choices=EXPIRY_CHOICES, widget=forms.RadioSelect, initial="90")
    expires_on = forms.DateField(
        label=gettext_lazy("Expiry date (when “On a date I choose”)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("The token stops working at the end of this day (UTC)."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.own_projects = scopes.user_project_names(user)
        self.fields["projects"].choices = [(name, name) for name in self.own_projects]
        if not self.fields["projects"].choices:
            self.fields["projects"].help_text = gettext_lazy("You have no projects yet.")

    def clean_new_projects(self):
        names = [n for n in re.split(r"[\s,]+", self.cleaned_data["new_projects"]) if n]
        try:
            names = normalize_project_names(names)
        except TokenError as error:
            raise forms.ValidationError(str(error)) from None
        taken = sorted(scopes.existing_project_names(names) - set(self.own_projects))
        if taken:
            raise forms.ValidationError(
                gettext("These projects exist and you have no role on them: %(projects)s.")
                % {"projects": ", ".join(taken)}
            )
        return names

    def clean(self):
        data = super().clean()
        permissions = data.get("permissions") or []
        data["can_read"], data["can_upload"] = "read" in permissions, "upload" in permissions
        if data.get("scope") == "projects":
            chosen = sorted(set(data.get("projects") or []) | set(data.get("new_projects") or []))
            if not chosen and "projects" not in self.errors and "new_projects" not in self.errors:
                self.add_error("projects", gettext("Choose at least one project, or the entire account."))
            data["project_names"] = chosen
        else:
            data["project_names"] = None
        expiry = data.get("expiry")
        if expiry == "never":
            data["expires_at"] = None
        elif expiry == "date":
            day = data.get("expires_on")
            if day is None:
                if "expires_on" not in self.errors:
                    self.add_error("expires_on", gettext("Choose the expiry date."))
            elif day < timezone.now().date():
                self.add_error("expires_on", gettext("The expiry date must be today or later."))
            else:
                data["expires_at"] = datetime.combine(day + timedelta(days=1), time.min, tzinfo=dt_timezone.utc)
        elif expiry:
            data["expires_at"] = timezone.now() + timedelta(days=int(expiry))
        return data
