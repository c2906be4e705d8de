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


# --- trusted publishers (the rules are tokens.publishing's; these are the inputs) ---


class GitHubPublisherForm(forms.Form):
    repository_owner = forms.CharField(
        label="Owner", max_length=255, help_text="The GitHub user or organization that owns the repository."
    )
    repository_name = forms.CharField(label="Repository name", max_length=255)
    workflow = forms.CharField(
        label="Workflow file name", max_length=255, help_text="The file under .github/workflows/, e.g. release.yml."
    )
    environment = forms.CharField(
        label="Environment name (optional)",
        max_length=255,
        required=False,
        help_text="Strongly recommended: a GitHub environment with required reviewers, e.g. pypi.",
    )
    repository_owner_id = forms.CharField(
        label="Owner ID (optional)",
        max_length=64,
        required=False,
        help_text="GitHub's numeric id of the owner. Left empty, it is taken from the first token and then required.",
    )


class GitLabPublisherForm(forms.Form):
    repository_owner = forms.CharField(
        label="Namespace", max_length=255, help_text="The user or group path, subgroups included (e.g. my-group/tools)."
    )
    repository_name = forms.CharField(label="Project name", max_length=255)
    workflow = forms.CharField(
        label="Top-level pipeline file path",
        max_length=255,
        initial=".gitlab-ci.yml",
        help_text="The CI file's path in the repository.",
    )
    environment = forms.CharField(label="Environment name (optional)", max_length=255, required=False)


class CustomPublisherForm(forms.Form):
    issuer = forms.ModelChoiceField(label="Issuer", queryset=None, empty_label=None)
    subject = forms.CharField(
        label="Subject (the token's sub claim, exactly)",
        max_length=512,
        help_text="For example repo:my-org/my-project:ref:refs/tags/v1 or project_path:group/project:ref_type:tag:…",
    )
    claims = forms.CharField(
        label="Other claims that must match (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One name=value per line, e.g. workflow=release.",
    )

    def __init__(self, *args, issuers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer"].queryset = issuers


def publisher_forms(data=None, *, kind=None, issuers):
    """One form per kind of CI ("github", "gitlab", and "custom" when staff registered an issuer); `kind`'s bound."""
    classes = {"github": GitHubPublisherForm, "gitlab": GitLabPublisherForm}
    result = {key: cls(data if key == kind else None, prefix=key) for key, cls in classes.items()}
    if issuers.exists():
        result["custom"] = CustomPublisherForm(data if kind == "custom" else None, prefix="custom", issuers=issuers)
    return result
