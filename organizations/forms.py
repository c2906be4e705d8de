"""Input checks of the organisation pages. The rules live in services."""

from django import forms
from django.utils.translation import gettext_lazy

from accounts.membership_pages import InvitationForm, MemberForm, membership_forms  # noqa: F401 (the people page's)

from .models import Organization, OrganizationRole

ROLE_CHOICES = [
    (OrganizationRole.Role.MEMBER, "Member: works on the projects their teams are given"),
    (OrganizationRole.Role.MANAGER, "Manager: also manages teams and their roles on projects, and tokens"),
    (OrganizationRole.Role.OWNER, "Owner: everything, including people, settings and moving projects"),
]


class OrganizationCreateForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Organisation name"),
        max_length=50,
        help_text=gettext_lazy("Letters, numbers, '.', '_' and '-', as in a username; it appears in the organisation's address."),
    )
    display_name = forms.CharField(label=gettext_lazy("Display name"), max_length=100)
    url = forms.URLField(label=gettext_lazy("Web site (URL)"), required=False, max_length=400, assume_scheme="https")
    description = forms.CharField(label=gettext_lazy("Description"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class OrganizationDetailsForm(forms.ModelForm):
    url = forms.URLField(label=gettext_lazy("Web site (URL)"), required=False, max_length=400, assume_scheme="https")

    class Meta:
        model = Organization
        fields = ["display_name", "url", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class PolicyForm(forms.Form):
    require_security_key = forms.BooleanField(
        label=gettext_lazy("Members must use a security key"),
        required=False,
        help_text=gettext_lazy("Members without a WebAuthn security key cannot manage the organisation's projects until they add one."),
    )


class ProvenanceForm(forms.Form):
    provenance_required = forms.BooleanField(
        label=gettext_lazy("Uploads need verified provenance"),
        required=False,
        help_text=gettext_lazy(
            "Every new file of every project of the organisation must carry a verified attestation (PEP 740) from "
            "one of that project's trusted publishers. Uploads with API tokens, the organisation's included, are refused."
        ),
    )


class ReadingForm(forms.Form):
    members_read_all = forms.BooleanField(
        label=gettext_lazy("Members may read all our projects"),
        required=False,
        help_text=gettext_lazy(
            "Every member of the organisation may read and install all its projects, private ones included. "
            "Otherwise a member reads a private project only with a role on it, their own or their team's."
        ),
    )
    private_by_default = forms.BooleanField(
        label=gettext_lazy("New projects are private"),
        required=False,
        help_text=gettext_lazy(
            "Projects created in the organisation from now on (on its pages or by a first upload) start private. "
            "Existing projects keep their visibility; each Owner can change it on the project's settings page."
        ),
    )


class RenameForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("New organisation name"),
        max_length=50,
        help_text=gettext_lazy(
            "Letters, numbers, '.', '_' and '-', as in a username. The organisation's addresses change "
            "with it, and the old name becomes free for anyone to take."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )


class DeleteForm(forms.Form):
    confirm = forms.CharField(
        label=gettext_lazy("Type the organisation's name to confirm"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )


InviteForm, RoleChangeForm = membership_forms(choices=ROLE_CHOICES, initial=OrganizationRole.Role.MEMBER)


class VisibilityForm(forms.Form):
    is_public = forms.BooleanField(label=gettext_lazy("Show my membership on the public page"), required=False)


class TeamNameForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Team name"), max_length=50)


class TeamMemberForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Member's username"), max_length=50)
