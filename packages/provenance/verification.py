"""Verifying PEP 740 attestations: pypi-attestations' models and policies, sigstore's verifier, our trust root.

`Attestation.verify` in pypi-attestations only knows Sigstore's public-good and
staging instances; the same steps run here with a `Verifier` built on the trust
root INTEGRITY_TRUSTED_ROOT names, so a private Sigstore (and the tests) work
offline. Both libraries are pinned in requirements.txt: part of this seam is
their private API (`Verifier.verify_dsse`'s payload, `_Statement`, the
publishers' `_as_policy`).
"""

import json
import os
import threading
import time
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat import asn1
from django.conf import settings
from pydantic import TypeAdapter, ValidationError
from pypi_attestations import (
    Attestation,
    AttestationType,
    ConversionError,
    GitHubPublisher,
    GitLabPublisher,
)
from sigstore.dsse import Envelope as DsseEnvelope
from sigstore.dsse import _Statement
from sigstore.errors import Error as SigstoreError
from sigstore.models import TrustedRoot
from sigstore.verify import Verifier
from packaging.utils import parse_sdist_filename, parse_wheel_filename

# How long the public-good trust root is used before its TUF repository is asked again.
PUBLIC_GOOD_REFRESH = 6 * 60 * 60
SUPPORTED_TYPES = {t.value for t in AttestationType}
_ATTESTATIONS = TypeAdapter(list[Attestation])


class AttestationRefused(ValueError):
    """Why the attestations of an upload were refused: one line, shown to the uploader and recorded."""


class TrustRootUnavailable(RuntimeError):
    """The trust root could not be loaded (a missing or broken file, TUF unreachable): the server's fault."""


@dataclass(frozen=True)
class Verified:
    """One verified attestation: its predicate type and the claims of its signing certificate."""

    attestation: Attestation
    predicate_type: str
    commit: str
    workflow_uri: str


_verifiers = {}
_verifiers_lock = threading.Lock()


def verifier():
    """The sigstore Verifier for INTEGRITY_TRUSTED_ROOT (a file: reread when it changes), cached in this process."""
    path = settings.INTEGRITY_TRUSTED_ROOT
    try:
        if path:
            key = (path, os.stat(path).st_mtime_ns)
        else:
            key = ("public-good", int(time.time() // PUBLIC_GOOD_REFRESH))
        with _verifiers_lock:
            found = _verifiers.get(key)
            if found is None:
                _verifiers.clear()
                found = Verifier(trusted_root=TrustedRoot.from_file(path)) if path else Verifier.production()
                _verifiers[key] = found
    except Exception as error:  # noqa: BLE001 - a file, JSON, protobuf or network failure alike
        raise TrustRootUnavailable(f"{type(error).__name__}: {error}") from error
    return found


def identity_for(kind, *, repository, workflow, environment):
    """pypi-attestations' publisher for a trusted publisher of `kind` ("github", "gitlab"), or None for other kinds."""
    if kind == "github":
        return GitHubPublisher(repository=repository, workflow=workflow, environment=environment or None)
    if kind == "gitlab":
        return GitLabPublisher(repository=repository, workflow_filepath=workflow, environment=environment or None)
    return None


def parse(raw):
    """The attestations of the form field `raw` (a JSON array): a list of Attestation, or AttestationRefused."""
    try:
        attestations = _ATTESTATIONS.validate_json(raw)
    except ValidationError as error:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise AttestationRefused(
            f"Malformed attestations: {first.get('msg', 'not a JSON array of attestation objects')}"
            + (f" (at {where})" if where else "")
        ) from None
    if not attestations:
        raise AttestationRefused(
            "Malformed attestations: an empty attestation set is not permitted; leave the field out instead"
        )
    if len(attestations) > len(SUPPORTED_TYPES):
        raise AttestationRefused(f"A maximum of {len(SUPPORTED_TYPES)} attestations per file are supported")
    return attestations


def _distribution_name(filename):
    if filename.endswith(".whl"):
        return parse_wheel_filename(filename)
    return parse_sdist_filename(filename)


def _claims(certificate):
    """The Fulcio claims (1.3.6.1.4.1.57264.1.8 and later, DER UTF8Strings) of a signing certificate, by suffix."""
    found = {}
    for extension in certificate.extensions:
        dotted = extension.oid.dotted_string
        if dotted.startswith("1.3.6.1.4.1.57264.1.") and isinstance(extension.value, x509.UnrecognizedExtension):
            suffix = dotted.rsplit(".", 1)[1]
            if suffix.isdigit() and int(suffix) >= 8:
                try:
                    found[int(suffix)] = asn1.decode_der(str, extension.value.value)
                except ValueError:
                    continue
    return found


def _signed_by(claims, identity):
    """(repository, workflow) as the certificate names them (before it is trusted: only to word a refusal)."""
    host = "https://github.com/" if isinstance(identity, GitHubPublisher) else "https://gitlab.com/"
    repository = claims.get(12, "").removeprefix(host)
    config = claims.get(18, "").removeprefix(host).rpartition("@")[0]
    marker = "/.github/workflows/" if isinstance(identity, GitHubPublisher) else "//"
    return repository, config.partition(marker)[2]


def _reason(message, *, claims, identity):
    """The verifier's refusal in the uploader's terms: which part of the publisher's identity differs, or why."""
    if "certificate chain" in message:
        return (
            "its signing certificate was not issued by a Sigstore this index trusts "
            "(the Sigstore public-good instance, or the trust root the index's operator configured)"
        )
    repository, workflow = _signed_by(claims, identity)
    expected_workflow = identity.workflow if isinstance(identity, GitHubPublisher) else identity.workflow_filepath
    if repository.lower() != identity.repository.lower():
        return f"it was signed in repository {repository or 'unknown'!r}, not {identity.repository!r}"
    if workflow != expected_workflow:
        return f"it was signed by workflow {workflow or 'unknown'!r}, not {expected_workflow!r} of {identity.repository}"
    return " ".join(message.split())[:300]


def verify_one(attestation, *, identity, filename, sha256):
    """Verify `attestation` for the file `filename` with digest `sha256`, signed by `identity`.

    The steps of pypi-attestations' Attestation.verify, on our verifier: the
    certificate chains to the trust root at the log's time, its SCT and log
    entry verify, it names the publisher's repository and workflow, the DSSE
    signature holds, and the statement has one subject with this file's name
    and sha256 and a known predicate type. Returns Verified; AttestationRefused otherwise.
    """
    try:
        bundle = attestation.to_bundle()
    except ConversionError as error:
        raise AttestationRefused(f"Malformed attestations: {error}") from None
    except Exception as error:  # noqa: BLE001 - hostile bytes can trip the libraries' parsers anywhere
        raise AttestationRefused(f"Malformed attestations: {type(error).__name__}") from None
    checker = verifier()
    try:
        payload_type, payload = checker.verify_dsse(bundle, identity._as_policy())
    except SigstoreError as error:
        raise AttestationRefused(
            "Could not verify the uploaded artifact using the included attestation: "
            + _reason(str(error), claims=_claims(bundle.signing_certificate), identity=identity)
        ) from None
    except Exception as error:  # noqa: BLE001 - a crafted certificate can trip the libraries' parsers
        raise AttestationRefused(f"Could not verify the included attestation: {type(error).__name__}") from None
    if payload_type != DsseEnvelope._TYPE:
        raise AttestationRefused(f"Could not verify the included attestation: expected an in-toto envelope, got {payload_type}")
    try:
        statement = _Statement.model_validate_json(payload)
    except ValidationError:
        raise AttestationRefused("Could not verify the included attestation: its statement is not an in-toto statement") from None
    if len(statement.subjects) != 1:
        raise AttestationRefused("Could not verify the included attestation: the statement must have exactly one subject")
    subject = statement.subjects[0]
    try:
        same_name = subject.name and _distribution_name(subject.name) == _distribution_name(filename)
    except ValueError:
        same_name = False
    if not same_name:
        raise AttestationRefused(
            f"Could not verify the included attestation: it is for {subject.name!r}, not {filename!r}"
        )
    if subject.digest.root.get("sha256") != sha256:
        raise AttestationRefused(
            f"Could not verify the included attestation: it is for other bytes than {filename} "
            "(the file's sha256 differs from the attested one)"
        )
    if statement.predicate_type not in SUPPORTED_TYPES:
        raise AttestationRefused(f"Attestation with unsupported predicate type: {statement.predicate_type}")
    claims = _claims(bundle.signing_certificate)
    return Verified(
        attestation=attestation,
        predicate_type=statement.predicate_type,
        commit=claims.get(13, ""),
        workflow_uri=claims.get(18, ""),
    )


def verify_all(attestations, *, identity, filename, sha256):
    """verify_one for each; at most one attestation per predicate type. Returns the list of Verified."""
    verified, seen = [], set()
    for attestation in attestations:
        result = verify_one(attestation, identity=identity, filename=filename, sha256=sha256)
        if result.predicate_type in seen:
            raise AttestationRefused(
                "Multiple attestations for the same file with the same predicate type "
                f"({result.predicate_type}) are not supported"
            )
        seen.add(result.predicate_type)
        verified.append(result)
    return verified


def provenance_document(*, identity, attestations):
    """The PEP 740 provenance object (a dict) of one publisher's attestations (Attestation objects or dicts)."""
    return {
        "version": 1,
        "attestation_bundles": [
            {
                "publisher": identity.model_dump(mode="json"),
                "attestations": [
                    a.model_dump(mode="json") if isinstance(a, Attestation) else a for a in attestations
                ],
            }
        ],
    }


def dumps(document):
    return json.dumps(document, separators=(",", ":"))
