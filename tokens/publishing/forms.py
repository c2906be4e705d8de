"""The three publisher forms (one per kind of CI). Input shape only: the rules are in kinds and services."""

from django import forms
from django.utils.translation import gettext_lazy

from . import selectors
from .models import TrustedPublisher

Kind = TrustedPublisher.Kind


class _PublisherForm(forms.Form):
    kind = None

    def __init__(self, *args, pending=False, **kwargs):
        kwargs.setdefault("prefix", self.kind)
        super().__init__(*args, **kwargs)
        if pending:
            self.fields = {
                "project_name": forms.CharField(
                    label=gettext_lazy("Project name"),
                    max_length=255,
                    help_text=gettext_lazy("The project this publisher will create on its first upload."),
                ),
                **self.fields,
            }


class GitHubPublisherForm(_PublisherForm):
    kind = Kind.GITHUB
    repository_owner = forms.CharField(
        label=gettext_lazy("Owner"), max_length=255, help_text=gettext_lazy("The GitHub user or organization that owns the repository.")
    )
    repository_name = forms.CharField(label=gettext_lazy("Repository name"), max_length=255)
    workflow = forms.CharField(
        label=gettext_lazy("Workflow file name"), max_length=255, help_text=gettext_lazy("The file under .github/workflows/, e.g. release.yml.")
    )
    environment = forms.CharField(
        label=gettext_lazy("Environment name (optional)"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("Strongly recommended: a GitHub environment with required reviewers, e.g. pypi."),
    )
    repository_owner_id = forms.CharField(
        label=gettext_lazy("Owner ID (optional)"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("GitHub's numeric id of the owner. Left empty, it is taken from the first token and then required."),
    )


class GitLabPublisherForm(_PublisherForm):
    kind = Kind.GITLAB
    repository_owner = forms.CharField(
        label=gettext_lazy("Namespace"), max_length=255, help_text=gettext_lazy("The user or group path, subgroups included (e.g. my-group/tools).")
    )
    repository_name = forms.CharField(label=gettext_lazy("Project name"), max_length=255)
    workflow = forms.CharField(
        label=gettext_lazy("Top-level pipeline file path"),
        max_length=255,
        initial=".gitlab-ci.yml",
        help_text=gettext_lazy("The CI file's path in the repository."),
    )
    environment = forms.CharField(label=gettext_lazy("Environment name (optional)"), max_length=255, required=False)


class CustomPublisherForm(_PublisherForm):
    kind = Kind.CUSTOM
    issuer = forms.ModelChoiceField(label=gettext_lazy("Issuer"), queryset=TrustedPublisher.objects.none(), empty_label=None)
    subject = forms.CharField(
        label=gettext_lazy("Subject (the token's sub claim, exactly)"),
        max_length=512,
        help_text=gettext_lazy("For example repo:my-org/my-project:ref:refs/tags/v1 or project_path:group/project:ref_type:tag:…"),
    )
    claims = forms.CharField(
        label=gettext_lazy("Other claims that must match (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One name=value per line, e.g. workflow=release."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = selectors.registered_issuers()


FORMS = {form.kind: form for form in (GitHubPublisherForm, GitLabPublisherForm, CustomPublisherForm)}


def publisher_forms(data=None, *, kind=None, pending=False):
    """One unbound form per kind (the custom one only when staff registered an issuer); `kind`'s bound to `data`."""
    result = {}
    for key, form_class in FORMS.items():
        if key == Kind.CUSTOM and not selectors.registered_issuers().exists():
            continue
        result[key] = form_class(data if key == kind else None, pending=pending)
    return result
