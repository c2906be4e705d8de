"""Provenance (PEP 740): attestations verified on upload, refused with their reason, and nothing stored then.

The attestations are signed by the session's throwaway Sigstore (tests/packages/sigstore_instance.py),
which INTEGRITY_TRUSTED_ROOT points at; the upload token comes from a real mint with the test OIDC issuer.
"""

import json

import pytest

from accounts.models import SecurityEvent
from packages.models import File, FilenameRegistry, Release
from packages.provenance import verification
from packages.provenance.models import FileProvenance
from tests.packages.distributions import make_wheel, upload_form
from tests.packages.factories import ProjectFactory, ProjectRoleFactory
from tests.packages.sigstore_instance import SLSA_PROVENANCE_V1, Identity, SigstoreInstance
from tests.packages.test_publishing import minted
from tests.accounts.factories import UserFactory
from tests.tokens.publishing.conftest import oidc_issuer  # noqa: F401 - the fixture
from tokens.publishing import services as publishing
from tokens.publishing.models import TrustedPublisher

Kind = TrustedPublisher.Kind
GITHUB = {"repository_owner": "octo-org", "repository_name": "octo-app", "workflow": "release.yml", "environment": "pypi"}
GITLAB = {"repository_owner": "my-group", "repository_name": "my-project", "workflow": ".gitlab-ci.yml", "environment": "pypi"}
# The commit the test issuer's GitHub and GitLab tokens name (tests/tokens/publishing/issuer.py).
GITHUB_SHA = "8a3f3c2e0c9d7b1f4e5a6b7c8d9e0f1a2b3c4d5e"
GITLAB_SHA = "714a629c0b401fdce83e847fc9589983fc6f46bc"
RIGHT = Identity.github(sha=GITHUB_SHA)


def post(client, dist, auth, attestations=None):
    form = {**upload_form(dist), "content": dist.upload()}
    if attestations is not None:
        form["attestations"] = attestations if isinstance(attestations, str) else json.dumps(attestations)
    return client.post("/legacy/", form, HTTP_AUTHORIZATION=auth)


@pytest.fixture
def owner(db):
    return UserFactory()


@pytest.fixture
def project(owner):
    project = ProjectFactory(name="octo-app")
    ProjectRoleFactory(project=project, user=owner)
    return project


@pytest.fixture
def publisher(owner, project):
    return publishing.publisher_add(user=owner, project_name="octo-app", kind=Kind.GITHUB, fields=GITHUB)


@pytest.fixture
def wheel():
    return make_wheel("octo-app", "1.0")


def assert_nothing_stored():
    assert not File.objects.exists()
    assert not FilenameRegistry.objects.exists()
    assert not Release.objects.exists()
    assert not FileProvenance.objects.exists()
    assert not SecurityEvent.objects.filter(tag__in=["file:add", "file:provenance:add"]).exists()


def refused_reason(response):
    assert response.status_code == 400, response.content
    body = response.content.decode().strip()
    assert response.reason_phrase == " ".join(body.split())[: len(response.reason_phrase)]
    event = SecurityEvent.objects.get(tag="file:provenance:refused")
    assert event.details["reason"] == body and event.project_name == "octo-app"
    return body


def test_a_verified_attestation_is_stored_with_the_file_and_recorded(client, oidc_issuer, trusted_root, sigstore_instance, publisher, wheel, media_root):
    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT)

    response = post(client, wheel, minted(client, oidc_issuer), [attestation])

    assert response.status_code == 200, response.content
    provenance = FileProvenance.objects.get(file__filename=wheel.filename)
    assert (provenance.repository, provenance.workflow, provenance.commit) == ("octo-org/octo-app", "release.yml", GITHUB_SHA)
    assert provenance.publisher == publisher
    bundle = provenance.document["attestation_bundles"][0]
    assert bundle["publisher"] == {"kind": "GitHub", "repository": "octo-org/octo-app", "workflow": "release.yml", "environment": "pypi"}
    assert bundle["attestations"][0]["envelope"]["signature"] == attestation["envelope"]["signature"]
    event = SecurityEvent.objects.get(tag="file:provenance:add")
    assert event.details["filename"] == wheel.filename and event.details["commit"] == GITHUB_SHA
    assert event.details["predicate_types"] == ["https://docs.pypi.org/attestations/publish/v1"]


def test_a_publish_and_a_slsa_attestation_are_both_kept(client, oidc_issuer, trusted_root, sigstore_instance, publisher, wheel, media_root):
    both = [
        sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT),
        sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT, predicate_type=SLSA_PROVENANCE_V1),
    ]
    response = post(client, wheel, minted(client, oidc_issuer), both)
    assert response.status_code == 200, response.content
    assert len(FileProvenance.objects.get().document["attestation_bundles"][0]["attestations"]) == 2


def test_gitlab_publisher_attestation_verifies(client, oidc_issuer, trusted_root, sigstore_instance, owner, project, wheel, media_root):
    from tests.tokens.publishing.conftest import AUDIENCE, mint
    from tests.tokens.factories import basic_auth_header

    publishing.publisher_add(user=owner, project_name="octo-app", kind=Kind.GITLAB, fields=GITLAB)
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.gitlab_claims(audience=AUDIENCE)))
    assert status == 200, body
    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=Identity.gitlab(sha=GITLAB_SHA))

    response = post(client, wheel, basic_auth_header(body["token"]), [attestation])

    assert response.status_code == 200, response.content
    assert FileProvenance.objects.get().document["attestation_bundles"][0]["publisher"]["kind"] == "GitLab"


# -- refusals: each names its reason and changes nothing ----------------------------------


@pytest.mark.parametrize(
    "identity, reason",
    [
        (Identity.github(repository="evil-org/octo-app", sha=GITHUB_SHA), "signed in repository 'evil-org/octo-app', not 'octo-org/octo-app'"),
        (Identity.github(workflow="nightly.yml", sha=GITHUB_SHA), "signed by workflow 'nightly.yml', not 'release.yml'"),
        # Signed by another run of the right workflow (another commit), not by the run in environment
        # "pypi" that obtained the token: a certificate does not name the environment, the run does.
        (Identity.github(sha="f" * 40), "environment 'pypi'"),
    ],
    ids=["wrong-repository", "wrong-workflow", "wrong-environment"],
)
def test_attestation_of_another_identity_is_refused(client, oidc_issuer, trusted_root, sigstore_instance, publisher, wheel, media_root, identity, reason):
    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=identity)
    body = refused_reason(post(client, wheel, minted(client, oidc_issuer), [attestation]))
    assert body.startswith("Invalid attestations supplied during upload: ")
    assert reason in body
    assert_nothing_stored()


def test_tampered_file_is_refused(client, oidc_issuer, trusted_root, sigstore_instance, publisher, wheel, media_root):
    other = make_wheel("octo-app", "1.0", files={"octo_app/extra.py": b"# other bytes, same name\n"})
    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=other.sha256, identity=RIGHT)
    body = refused_reason(post(client, wheel, minted(client, oidc_issuer), [attestation]))
    assert "sha256 differs from the attested one" in body
    assert_nothing_stored()


def test_certificate_from_a_foreign_root_is_refused(client, oidc_issuer, trusted_root, publisher, wheel, media_root):
    foreign = SigstoreInstance("foreign")
    attestation = foreign.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT)
    body = refused_reason(post(client, wheel, minted(client, oidc_issuer), [attestation]))
    assert "not issued by a Sigstore this index trusts" in body
    assert_nothing_stored()


def test_two_attestations_of_one_type_are_refused(client, oidc_issuer, trusted_root, sigstore_instance, publisher, wheel, media_root):
    twice = [sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT) for _ in range(2)]
    body = refused_reason(post(client, wheel, minted(client, oidc_issuer), twice))
    assert "Multiple attestations for the same file with the same predicate type" in body
    assert_nothing_stored()


@pytest.mark.parametrize(
    "raw, reason",
    [("[]", "an empty attestation set is not permitted"), ("{not json", "Malformed attestations"), ('[{"version": 2}]', "Malformed attestations")],
    ids=["empty", "not-json", "not-an-attestation"],
)
def test_empty_or_malformed_attestations_are_refused(client, oidc_issuer, trusted_root, publisher, wheel, media_root, raw, reason):
    body = refused_reason(post(client, wheel, minted(client, oidc_issuer), raw))
    assert reason in body
    assert_nothing_stored()


def test_attestation_on_a_personal_token_upload_is_refused_with_pypis_words(client, trusted_root, sigstore_instance, project, owner, wheel, media_root):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.tokens.factories import basic_auth_header, make_token

    TOTPDevice.objects.create(user=owner, name="phone", confirmed=True)
    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT)
    body = refused_reason(post(client, wheel, basic_auth_header(make_token(owner)[1]), [attestation]))
    assert body == "Invalid attestations supplied during upload: Attestations are only supported when using Trusted Publishing"
    assert_nothing_stored()


def test_the_verifier_reads_the_trust_root_named_by_the_setting(settings, trusted_root, tmp_path):
    assert verification.verifier() is verification.verifier()
    foreign = SigstoreInstance("foreign").write_trusted_root(tmp_path / "foreign.json")
    settings.INTEGRITY_TRUSTED_ROOT = str(foreign)
    assert verification.verifier()._trusted_root._inner.ctlogs[0].base_url == "https://ctfe.foreign.invalid"


# -- serving: the Integrity API, the simple API, and a second verification of what is served --------------


def test_provenance_is_served_and_verifies_again_with_the_same_root(client, oidc_issuer, trusted_root, sigstore_instance, publisher, wheel, media_root):
    from pypi_attestations import Provenance

    first = make_wheel("octo-app", "0.9")
    assert post(client, first, minted(client, oidc_issuer)).status_code == 200  # no attestation: no provenance
    # Both documents are now cached under the project's generation; the attested upload must move it.
    html_before = client.get("/simple/octo-app/").content.decode()
    json_before = client.get("/simple/octo-app/", HTTP_ACCEPT="application/vnd.pypi.simple.v1+json").json()
    assert "data-provenance" not in html_before and all("provenance" not in f for f in json_before["files"])

    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT)
    assert post(client, wheel, minted(client, oidc_issuer), [attestation]).status_code == 200

    url = f"http://testserver/integrity/octo-app/1.0/{wheel.filename}/provenance"
    html = client.get("/simple/octo-app/").content.decode()
    assert f'data-provenance="{url}"' in html and html.count("data-provenance") == 1
    files = {f["filename"]: f for f in client.get("/simple/octo-app/", HTTP_ACCEPT="application/vnd.pypi.simple.v1+json").json()["files"]}
    assert files[wheel.filename]["provenance"] == url and "provenance" not in files[first.filename]

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.pypi.integrity.v1+json"
    served = Provenance.model_validate_json(response.content)
    bundle = served.attestation_bundles[0]
    assert bundle.publisher.repository == "octo-org/octo-app" and bundle.publisher.workflow == "release.yml"
    again = verification.verify_all(bundle.attestations, identity=bundle.publisher, filename=wheel.filename, sha256=wheel.sha256)
    assert [v.predicate_type for v in again] == ["https://docs.pypi.org/attestations/publish/v1"]

    missing = client.get(f"/integrity/octo-app/0.9/{first.filename}/provenance")
    assert missing.status_code == 404 and missing.json() == {"message": f"No provenance available for {first.filename}"}
    assert client.get(f"/integrity/octo-app/2.0/{wheel.filename}/provenance").status_code == 404  # another version


def test_the_project_page_names_the_publisher_and_the_commit(client, oidc_issuer, trusted_root, sigstore_instance, publisher, wheel, media_root):
    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT)
    assert post(client, wheel, minted(client, oidc_issuer), [attestation]).status_code == 200
    page = client.get("/project/octo-app/").content.decode()
    assert "published by octo-org/octo-app / release.yml with provenance" in page
    assert f'href="https://github.com/octo-org/octo-app/commit/{GITHUB_SHA}"' in page
    assert f'href="/integrity/octo-app/1.0/{wheel.filename}/provenance"' in page


def test_a_missing_trust_root_is_the_servers_fault_and_keeps_nothing(client, oidc_issuer, settings, sigstore_instance, publisher, wheel, media_root, tmp_path):
    settings.INTEGRITY_TRUSTED_ROOT = str(tmp_path / "missing.json")
    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT)
    response = post(client, wheel, minted(client, oidc_issuer), [attestation])
    assert response.status_code == 503
    assert "Sigstore trust root is unavailable" in response.content.decode()
    assert_nothing_stored()


def test_two_attestation_fields_are_refused(client, oidc_issuer, trusted_root, sigstore_instance, publisher, wheel, media_root):
    attestation = json.dumps([sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT)])
    form = {**upload_form(wheel), "content": wheel.upload(), "attestations": [attestation, attestation]}
    body = refused_reason(client.post("/legacy/", form, HTTP_AUTHORIZATION=minted(client, oidc_issuer)))
    assert "send the attestations as one form field holding a JSON array" in body
    assert_nothing_stored()


def test_a_publisher_registered_in_other_letter_case_verifies_as_github_spells_it(client, oidc_issuer, trusted_root, sigstore_instance, owner, project, wheel, media_root):
    publishing.publisher_add(
        user=owner, project_name="octo-app", kind=Kind.GITHUB, fields={**GITHUB, "repository_owner": "Octo-Org", "workflow": "Release.yml"}
    )
    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT)
    response = post(client, wheel, minted(client, oidc_issuer, workflow="Release.yml"), [attestation])
    # The token's workflow is "Release.yml": the attestation of "release.yml" is another workflow's.
    assert response.status_code == 400 and "signed by workflow 'release.yml', not 'Release.yml'" in response.content.decode()
    assert_nothing_stored()

    response = post(client, wheel, minted(client, oidc_issuer), [attestation])  # a run of release.yml
    assert response.status_code == 200, response.content
    assert FileProvenance.objects.get().document["attestation_bundles"][0]["publisher"]["repository"] == "octo-org/octo-app"


def test_a_pending_publishers_first_attested_upload_creates_the_project_with_provenance(client, oidc_issuer, trusted_root, sigstore_instance, owner, wheel, media_root):
    pending = publishing.pending_publisher_add(user=owner, project_name="octo-app", kind=Kind.GITHUB, fields=GITHUB)
    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT)
    response = post(client, wheel, minted(client, oidc_issuer), [attestation])
    assert response.status_code == 200, response.content
    assert FileProvenance.objects.get().publisher_id == pending.pk


def test_staff_see_provenance_in_the_admin_and_cannot_change_it(two_factor_client, two_factor_user):
    from tests.packages.factories import FileFactory

    two_factor_user.is_staff = two_factor_user.is_superuser = True
    two_factor_user.save()
    record = FileProvenance.objects.create(
        file=FileFactory(release__project__name="octo-app"), kind="github", repository="octo-org/octo-app",
        workflow="release.yml", commit=GITHUB_SHA, document={"version": 1, "attestation_bundles": []},
    )
    listing = two_factor_client.get("/admin/packages/fileprovenance/").content.decode()
    assert "octo-org/octo-app" in listing and GITHUB_SHA in listing
    assert two_factor_client.post(f"/admin/packages/fileprovenance/{record.pk}/delete/", {"post": "yes"}).status_code == 403
    assert FileProvenance.objects.filter(pk=record.pk).exists()


@pytest.mark.parametrize(
    "spoil",
    [
        lambda a: a["verification_material"].update(certificate="bm90IGEgY2VydGlmaWNhdGU="),  # "not a certificate"
        lambda a: a["verification_material"].update(transparency_entries=[{"logIndex": "x"}]),
        lambda a: a["envelope"].update(statement="e30="),  # "{}": no subject at all
        lambda a: a["envelope"].update(signature="AAAA"),
    ],
    ids=["garbage-certificate", "garbage-log-entry", "empty-statement", "bad-signature"],
)
def test_hostile_attestations_are_a_400_not_a_500(client, oidc_issuer, trusted_root, sigstore_instance, publisher, wheel, media_root, spoil):
    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT)
    spoil(attestation)
    body = refused_reason(post(client, wheel, minted(client, oidc_issuer), [attestation]))
    assert body.startswith("Invalid attestations supplied during upload: ")
    assert_nothing_stored()
