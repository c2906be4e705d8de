"""One class per kind of CI: what a publisher names, and which claims must match it.

Each kind knows:
- ``clean(fields)``: the publisher's fields checked and normalized (PublisherError otherwise);
- ``identity(publisher)``: the key that makes two publishers of a project the same;
- ``workflow_key(publisher)``: the identity without the environment or pinned claims, the key two
  pending publishers may not share (tokens from one workflow could match both);
- ``specificity(publisher)``: how much beyond the workflow it pins; when several publishers match a
  token, only the most specific ones count (an environment-less publisher never outranks one with an environment);
- ``candidates(issuer, claims)``: the publishers a verified token may be for (one indexed query);
- ``mismatch(publisher, claims)``: why the token is not from this publisher's workflow, or None;
- ``provenance(publisher, claims)``: workflow ref, commit and run URL for the project's history.
"""

import re
from django.utils.translation import gettext, gettext_lazy
from urllib.parse import urlsplit

from .errors import PublisherError
from .issuers import builtin_issuer_url
from .models import TrustedPublisher

Kind = TrustedPublisher.Kind

# GitHub: owner and repository names; GitLab: namespace path segments and project paths.
_GITHUB_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_GITHUB_REPOSITORY = re.compile(r"[A-Za-z0-9._-]{1,100}")
_GITLAB_NAMESPACE = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*")
_GITLAB_PROJECT = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*")
_CLAIM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]{0,100}")
# Claims every token carries whatever the workflow; pinning them would match nothing or everything.
_UNPINNABLE_CLAIMS = {"iss", "aud", "exp", "iat", "nbf", "jti", "sub"}


def _text(fields, key, label, *, required=True, max_length=255):
    value = (fields.get(key) or "").strip()
    if required and not value:
        raise PublisherError(gettext("Enter a value for “%(label)s”.") % {"label": label})
    if len(value) > max_length:
        raise PublisherError(
            gettext("“%(label)s” may be at most %(max_length)d characters long.")
            % {"label": label, "max_length": max_length}
        )
    return value


def _claim(claims, name):
    value = claims.get(name)
    return value if isinstance(value, str) else None


class GitHub:
    kind = Kind.GITHUB
    label = TrustedPublisher.KIND_LABELS[Kind.GITHUB]

    def clean(self, fields):
        owner = _text(fields, "repository_owner", gettext_lazy("repository owner"))
        if not _GITHUB_OWNER.fullmatch(owner):
            raise PublisherError(gettext("'%(owner)s' is not a GitHub user or organization name.") % {"owner": owner})
        repository = _text(fields, "repository_name", gettext_lazy("repository name"))
        if repository.endswith(".git"):
            repository = repository[:-4]
        if not _GITHUB_REPOSITORY.fullmatch(repository) or repository in (".", ".."):
            raise PublisherError(
                gettext("'%(repository)s' is not a GitHub repository name.") % {"repository": repository}
            )
        workflow = _text(fields, "workflow", gettext_lazy("workflow file name"))
        if "/" in workflow or not workflow.endswith((".yml", ".yaml")):
            raise PublisherError(
                gettext(
                    "Enter the workflow's file name only, ending in .yml or .yaml (e.g. release.yml), "
                    "not its path under .github/workflows/."
                )
            )
        owner_id = _text(fields, "repository_owner_id", gettext_lazy("owner ID"), required=False, max_length=64)
        if owner_id and not owner_id.isdigit():
            raise PublisherError(
                gettext("The owner ID is GitHub's numeric id of the user or organization (e.g. 583231).")
            )
        return {
            "repository_owner": owner,
            "repository_owner_id": owner_id,
            "repository_name": repository,
            "workflow": workflow,
            "environment": _text(fields, "environment", gettext_lazy("environment"), required=False),
        }

    def identity(self, publisher):
        # GitHub names are case-insensitive; an environment is case-insensitive too.
        return (
            "github:"
            + "/".join(
                [publisher.repository_owner, publisher.repository_name, publisher.workflow, publisher.environment]
            ).lower()
        )

    def workflow_key(self, publisher):
        return "github:" + "/".join([publisher.repository_owner, publisher.repository_name, publisher.workflow]).lower()

    def specificity(self, publisher):
        return 1 if publisher.environment else 0

    def candidates(self, issuer, claims):
        repository = _claim(claims, "repository") or ""
        owner, _, name = repository.partition("/")
        return TrustedPublisher.objects.filter(
            kind=self.kind, repository_owner__iexact=owner, repository_name__iexact=name
        )

    def mismatch(self, publisher, claims):
        for name in ("repository", "repository_owner", "repository_owner_id", "job_workflow_ref"):
            if not _claim(claims, name):
                return f"the token lacks GitHub's {name!r} claim"
        if claims.get("event_name") == "pull_request_target":
            return "publishing from a pull_request_target event is not allowed: it runs with code from forks"
        expected = f"{publisher.repository_owner}/{publisher.repository_name}"
        if claims["repository"].lower() != expected.lower():
            return f"the token is from repository {claims['repository']!r}, not {expected!r}"
        if publisher.repository_owner_id and claims["repository_owner_id"] != publisher.repository_owner_id:
            return "the repository owner's ID differs from the one registered (was the owner renamed and reclaimed?)"
        prefix = f"{expected}/.github/workflows/{publisher.workflow}@".lower()
        if not claims["job_workflow_ref"].lower().startswith(prefix):
            return f"the token is from workflow {claims['job_workflow_ref']!r}, not {publisher.workflow!r}"
        if publisher.environment:
            environment = _claim(claims, "environment") or ""
            if environment.lower() != publisher.environment.lower():
                return f"the job runs in environment {environment!r}, not {publisher.environment!r}"
        return None

    def provenance(self, publisher, claims):
        details = {"workflow_ref": _claim(claims, "job_workflow_ref"), "sha": _claim(claims, "sha")}
        run_id, repository = _claim(claims, "run_id"), _claim(claims, "repository")
        if run_id and repository and builtin_issuer_url(self.kind) == "https://token.actions.githubusercontent.com":
            details["run_url"] = f"https://github.com/{repository}/actions/runs/{run_id}"
            if _claim(claims, "run_attempt"):
                details["run_url"] += f"/attempts/{claims['run_attempt']}"
        return {key: value for key, value in details.items() if value}


class GitLab:
    kind = Kind.GITLAB
    label = TrustedPublisher.KIND_LABELS[Kind.GITLAB]

    def clean(self, fields):
        namespace = _text(fields, "repository_owner", gettext_lazy("namespace")).strip("/")
        if not _GITLAB_NAMESPACE.fullmatch(namespace):
            raise PublisherError(
                gettext("'%(namespace)s' is not a GitLab namespace (a user or group path, e.g. my-group/sub).")
                % {"namespace": namespace}
            )
        project = _text(fields, "repository_name", gettext_lazy("project name"))
        if project.endswith(".git"):
            project = project[:-4]
        if not _GITLAB_PROJECT.fullmatch(project):
            raise PublisherError(gettext("'%(project)s' is not a GitLab project path.") % {"project": project})
        workflow = _text(fields, "workflow", gettext_lazy("top-level pipeline file path")).lstrip("/")
        if not workflow.endswith((".yml", ".yaml")) or ".." in workflow.split("/"):
            raise PublisherError(
                gettext("Enter the path of the CI file in the repository, ending in .yml (e.g. .gitlab-ci.yml).")
            )
        return {
            "repository_owner": namespace,
            "repository_name": project,
            "workflow": workflow,
            "environment": _text(fields, "environment", gettext_lazy("environment"), required=False),
        }

    def identity(self, publisher):
        # Paths are case-insensitive in GitLab, file paths and environment names are not.
        path = f"{publisher.repository_owner}/{publisher.repository_name}".lower()
        return f"gitlab:{path}//{publisher.workflow}@{publisher.environment}"

    def workflow_key(self, publisher):
        path = f"{publisher.repository_owner}/{publisher.repository_name}".lower()
        return f"gitlab:{path}//{publisher.workflow}"

    def specificity(self, publisher):
        return 1 if publisher.environment else 0

    def candidates(self, issuer, claims):
        namespace, _, project = (_claim(claims, "project_path") or "").rpartition("/")
        return TrustedPublisher.objects.filter(
            kind=self.kind, repository_owner__iexact=namespace, repository_name__iexact=project
        )

    def mismatch(self, publisher, claims):
        for name in ("project_path", "ci_config_ref_uri"):
            if not _claim(claims, name):
                return f"the token lacks GitLab's {name!r} claim"
        expected = f"{publisher.repository_owner}/{publisher.repository_name}"
        if claims["project_path"].lower() != expected.lower():
            return f"the token is from project {claims['project_path']!r}, not {expected!r}"
        # ci_config_ref_uri = "<host>/<namespace>/<project>//<file path>@<ref>"
        _, _, config = claims["ci_config_ref_uri"].partition("/")
        config_path, _, ref = config.rpartition("@")
        project_path, _, file_path = config_path.partition("//")
        if project_path.lower() != expected.lower() or file_path != publisher.workflow or not ref:
            return f"the pipeline is defined by {claims['ci_config_ref_uri']!r}, not {publisher.workflow!r}"
        if publisher.environment and _claim(claims, "environment") != publisher.environment:
            return f"the job runs in environment {_claim(claims, 'environment')!r}, not {publisher.environment!r}"
        return None

    def provenance(self, publisher, claims):
        details = {"workflow_ref": _claim(claims, "ci_config_ref_uri"), "sha": _claim(claims, "sha")}
        pipeline, path = _claim(claims, "pipeline_id"), _claim(claims, "project_path")
        issuer = builtin_issuer_url(self.kind)
        if pipeline and path and issuer and urlsplit(issuer).scheme == "https":
            details["run_url"] = f"{issuer}/{path}/-/pipelines/{pipeline}"
        return {key: value for key, value in details.items() if value}


class Custom:
    kind = Kind.CUSTOM
    label = TrustedPublisher.KIND_LABELS[Kind.CUSTOM]

    def clean(self, fields):
        issuer = fields.get("issuer")
        if issuer is None or not getattr(issuer, "enabled", False):
            raise PublisherError(gettext("Choose one of the issuers registered on this index."))
        subject = _text(fields, "subject", gettext_lazy("subject (`sub` claim)"), max_length=512)
        claims = {}
        for number, line in enumerate((fields.get("claims") or "").splitlines(), start=1):
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not _CLAIM_NAME.fullmatch(name) or not value:
                raise PublisherError(gettext("Line %(number)s of the claims is not “name=value”.") % {"number": number})
            if name in _UNPINNABLE_CLAIMS:
                raise PublisherError(gettext("The claim '%(name)s' cannot be pinned here.") % {"name": name})
            if name in claims:
                raise PublisherError(gettext("The claim '%(name)s' is given twice.") % {"name": name})
            claims[name] = value[:512]
        return {"issuer": issuer, "subject": subject, "claims": claims}

    def identity(self, publisher):
        pinned = "&".join(f"{k}={v}" for k, v in sorted(publisher.claims.items()))
        return f"custom:{publisher.issuer_id}:{publisher.subject}?{pinned}"

    def workflow_key(self, publisher):
        return f"custom:{publisher.issuer_id}:{publisher.subject}"

    def specificity(self, publisher):
        return len(publisher.claims)

    def candidates(self, issuer, claims):
        return TrustedPublisher.objects.filter(kind=self.kind, issuer=issuer.registered, subject=claims.get("sub"))

    def mismatch(self, publisher, claims):
        if claims.get("sub") != publisher.subject:
            return f"the token's subject is {claims.get('sub')!r}, not {publisher.subject!r}"
        for name, value in publisher.claims.items():
            if str(claims.get(name)) != value:
                return f"the token's {name!r} claim is {claims.get(name)!r}, not {value!r}"
        return None

    def provenance(self, publisher, claims):
        details = {"sub": _claim(claims, "sub"), "sha": _claim(claims, "sha")}
        return {key: value for key, value in details.items() if value}


KINDS = {kind.kind: kind for kind in (GitHub(), GitLab(), Custom())}


def kind_of(publisher_or_kind):
    """The kind object of a publisher (or of a TrustedPublisher.Kind value)."""
    return KINDS[getattr(publisher_or_kind, "kind", publisher_or_kind)]
