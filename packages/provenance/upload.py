"""The upload's two provenance steps (what the upload service calls), in the upload API's words.

- `upload_plan(...)`, before anything is stored: verifies the form's
  `attestations` against the trusted publisher whose token uploads and the
  file's name and sha256, and applies the provenance policy as the project is
  read then. Returns a frozen ProvenancePlan (None: no attestations) or raises
  InvalidUpload / UploadForbidden; every refusal is recorded with its reason.
- `upload_record(...)`, under the project's lock, in the upload's
  transaction: applies the policy again as it stands now, and writes the
  plan's FileProvenance and its event. The upload's own journal entry makes
  the project's cached documents out of date, so `data-provenance` appears
  with the file.

Messages are the upload API's (English, like every upload refusal).
"""

import logging
from dataclasses import dataclass

from django.utils.translation import gettext

from accounts.events import record_event
from organizations.models import Organization
from tokens.publishing import selectors as publishing
from tokens.publishing.models import TrustedPublisher

from ..events import EventTag
from ..errors import InvalidUpload, UploadFailed, UploadForbidden
from . import verification
from .models import FileProvenance

logger = logging.getLogger(__name__)
NOT_TRUSTED_PUBLISHING = "Attestations are only supported when using Trusted Publishing"
INVALID_PREFIX = "Invalid attestations supplied during upload: "
# Trusted publisher kinds whose identity a Sigstore certificate can prove.
_KINDS = {TrustedPublisher.Kind.GITHUB: "github", TrustedPublisher.Kind.GITLAB: "gitlab"}


@dataclass(frozen=True)
class ProvenancePlan:
    """Verified attestations of one upload, ready to be written with its file."""

    publisher_id: int
    kind: str
    repository: str
    workflow: str
    environment: str
    commit: str
    predicate_types: tuple
    document: dict


def policy_message(*, project_name, organization_name=None):
    """The refusal of an upload without provenance to a project that requires it (the one wording)."""
    if organization_name:
        rule = gettext("the organisation %(organization)s requires verified provenance for all its projects") % {
            "organization": organization_name
        }
    else:
        rule = gettext("its provenance policy requires it")
    return gettext(
        "%(project)s accepts only files with a verified attestation from one of its trusted publishers (%(rule)s). "
        "Publish from the project's trusted publisher workflow with attestations on "
        "(pypa/gh-action-pypi-publish does so by default; twine upload --attestations), not with an API token."
    ) % {"project": project_name, "rule": rule}


def required_by(project=None, *, organization_id=None):
    """Who requires provenance of uploads to `project` (or a new project of `organization_id`): None, "project" or the organisation's name."""
    if project is not None:
        if project.provenance_required:
            return "project"
        organization_id = project.organization_id
    if organization_id is None:
        return None
    name = Organization.objects.filter(pk=organization_id, provenance_required=True).values_list("name", flat=True).first()
    return name


def _refuse(error, *, request, project_name, filename, reason):
    record_event(
        tag=EventTag.FILE_PROVENANCE_REFUSED,
        request=request,
        project_name=project_name,
        details={"filename": filename, "reason": reason[:500]},
    )
    raise error


def _policy_refusal(*, rule, project_name):
    return UploadForbidden(
        policy_message(project_name=project_name, organization_name=None if rule == "project" else rule)
    )


def _identity_of(publisher, minted):
    """The publisher as pypi-attestations checks it: (kind, identity), or (None, None) for a kind it cannot check.

    Names are spelled as the CI spelt them when the token was minted (`minted`: the run's workflow
    ref), since the certificate carries the CI's spelling and GitHub names match in any case.
    """
    kind = _KINDS.get(publisher.kind)
    if kind is None:
        return None, None
    repository, workflow = f"{publisher.repository_owner}/{publisher.repository_name}", publisher.workflow
    ref = (minted.get("workflow_ref") or "").rpartition("@")[0]
    if kind == "github":
        ci_repository, _, ci_workflow = ref.partition("/.github/workflows/")
        if ci_repository.lower() == repository.lower() and ci_workflow.lower() == workflow.lower():
            repository, workflow = ci_repository, ci_workflow
    return kind, verification.identity_for(
        kind, repository=repository, workflow=workflow, environment=publisher.environment
    )


def upload_plan(*, request=None, raw_attestations, token, publisher, project, normalized_name, filename, sha256):
    """Verify an upload's attestations and apply the provenance policy, before anything is stored.

    `raw_attestations`: the values of the form field `attestations` (a list; empty or None when absent).
    `publisher`: the trusted publisher behind `token`, or None. `project`: the project as read
    before the lock (None: the upload creates it). Returns a ProvenancePlan, or None when the upload
    carries no attestations and no policy requires them. Raises InvalidUpload (bad attestations,
    400) or UploadForbidden (the policy, 403), after recording the refusal.
    """
    label = project.name if project is not None else normalized_name

    def refuse(message, error_class=InvalidUpload):
        _refuse(error_class(message), request=request, project_name=normalized_name, filename=filename, reason=message)

    if not raw_attestations:
        rule = required_by(project, organization_id=getattr(token, "organization_id", None))
        if rule is not None:
            error = _policy_refusal(rule=rule, project_name=label)
            _refuse(error, request=request, project_name=normalized_name, filename=filename, reason=error.message)
        return None
    if len(raw_attestations) > 1:
        refuse(INVALID_PREFIX + "send the attestations as one form field holding a JSON array")
    if publisher is None:
        refuse(INVALID_PREFIX + NOT_TRUSTED_PUBLISHING)
    minted = publishing.token_mint_provenance(token)
    kind, identity = _identity_of(publisher, minted)
    if identity is None:
        refuse(INVALID_PREFIX + f"Attestations are not currently supported with {publisher.get_kind_display()} publishers")
    try:
        attestations = verification.parse(raw_attestations[0])
        verified = verification.verify_all(attestations, identity=identity, filename=filename, sha256=sha256)
        _check_same_run(verified, minted=minted, publisher=publisher)
    except verification.AttestationRefused as error:
        refuse(INVALID_PREFIX + str(error))
    except verification.TrustRootUnavailable:
        logger.exception("the Sigstore trust root (INTEGRITY_TRUSTED_ROOT) could not be loaded")
        raise UploadFailed(
            "The attestations could not be verified right now: this index's Sigstore trust root is unavailable. "
            "Nothing was kept; try again later."
        ) from None
    return ProvenancePlan(
        publisher_id=publisher.pk,
        kind=kind,
        repository=identity.repository,
        workflow=publisher.workflow,
        environment=publisher.environment,
        commit=verified[0].commit,
        predicate_types=tuple(v.predicate_type for v in verified),
        document=verification.provenance_document(identity=identity, attestations=[v.attestation for v in verified]),
    )


def _check_same_run(verified, *, minted, publisher):
    """The attestations must come from the commit of the CI run that obtained this upload's token.

    A Sigstore certificate names the repository, workflow and commit but not the job's
    environment; the token's run was checked against the publisher's environment when the
    token was minted, so tying the signature to that run's commit is what holds the
    environment (and keeps an attestation from another run of the workflow out).
    """
    expected = minted.get("sha")
    if not expected:
        return
    for result in verified:
        if result.commit.lower() != expected.lower():
            where = f", in environment {publisher.environment!r}" if publisher.environment else ""
            raise verification.AttestationRefused(
                f"the attestation was signed by a run at commit {result.commit or 'unknown'}, not by the run that "
                f"obtained this upload's token (commit {expected}{where})"
            )


def upload_record(*, request=None, plan, project, file, user=None):
    """Under the project's lock, in the upload's transaction: apply the policy as it is now, write the plan.

    `project` is the locked row. Raises UploadForbidden when the policy requires
    provenance and `plan` is None (the upload's transaction then rolls back).
    """
    if plan is None:
        rule = required_by(project)
        if rule is not None:
            raise _policy_refusal(rule=rule, project_name=project.name)
        return None
    provenance = FileProvenance.objects.create(
        file=file,
        publisher_id=plan.publisher_id,
        kind=plan.kind,
        repository=plan.repository,
        workflow=plan.workflow,
        environment=plan.environment,
        commit=plan.commit,
        predicate_types=list(plan.predicate_types),
        document=plan.document,
    )
    record_event(
        tag=EventTag.FILE_PROVENANCE_ADD,
        request=request,
        user=user,
        project_name=project.normalized_name,
        details={
            "filename": file.filename,
            "publisher_id": plan.publisher_id,
            "repository": plan.repository,
            "workflow": plan.workflow,
            "environment": plan.environment,
            "commit": plan.commit,
            "predicate_types": list(plan.predicate_types),
        },
    )
    return provenance
