"""The provenance policy: an Owner (2FA, fresh authentication) or an organisation requires verified
attestations from the project's trusted publishers; uploads without one are refused under the project's lock."""

import pytest
from django.core import mail

from accounts.models import SecurityEvent
from packages.models import File, Project, ProjectRole
from packages.provenance import services as provenance_services
from packages.provenance import upload as provenance
from packages.provenance.models import FileProvenance
from packages.upload import service as upload_service
from tests.accounts.factories import UserFactory
from tests.organizations.factories import make_organization
from tests.packages.distributions import make_wheel, upload_form
from tests.packages.factories import ProjectFactory, ProjectRoleFactory
from tests.packages.test_provenance import GITHUB, RIGHT, post
from tests.packages.test_publishing import minted
from tests.tokens.factories import basic_auth_header, make_token
from tests.tokens.publishing.conftest import oidc_issuer  # noqa: F401 - the fixture
from tokens.organization import organization_token_create
from tokens.publishing import services as publishing
from tokens.publishing.models import TrustedPublisher

URL = "/manage/project/octo-app/settings/"
POLICY = (
    "octo-app accepts only files with a verified attestation from one of its trusted publishers "
    "(its provenance policy requires it). Publish from the project's trusted publisher workflow with attestations on "
    "(pypa/gh-action-pypi-publish does so by default; twine upload --attestations), not with an API token."
)


@pytest.fixture
def project(uploader):
    """octo-app, whose Owner is `uploader` (2FA on: a person who could upload with a token), with a GitHub publisher."""
    project = ProjectFactory(name="octo-app")
    ProjectRoleFactory(project=project, user=uploader)
    publishing.publisher_add(user=uploader, project_name="octo-app", kind=TrustedPublisher.Kind.GITHUB, fields=GITHUB)
    return project


@pytest.fixture
def required(project):
    Project.objects.filter(pk=project.pk).update(provenance_required=True)
    return project


def assert_refused_by_policy(response, message=POLICY):
    assert response.status_code == 403, response.content
    assert response.content.decode().strip() == message
    assert response.reason_phrase == message
    assert not File.objects.exists() and not FileProvenance.objects.exists()
    assert not SecurityEvent.objects.filter(tag="file:add").exists()


def test_a_personal_token_upload_is_refused_with_the_policys_message(client, required, auth, media_root):
    assert_refused_by_policy(post(client, make_wheel("octo-app", "1.0"), auth))
    event = SecurityEvent.objects.get(tag="file:provenance:refused")
    assert event.details == {"filename": "octo_app-1.0-py3-none-any.whl", "reason": POLICY}


def test_a_publisher_upload_without_attestations_is_refused(client, oidc_issuer, required, media_root):
    assert_refused_by_policy(post(client, make_wheel("octo-app", "1.0"), minted(client, oidc_issuer)))


def test_an_attested_publisher_upload_is_accepted(client, oidc_issuer, trusted_root, sigstore_instance, required, media_root):
    wheel = make_wheel("octo-app", "1.0")
    attestation = sigstore_instance.attest(filename=wheel.filename, sha256=wheel.sha256, identity=RIGHT)
    response = post(client, wheel, minted(client, oidc_issuer), [attestation])
    assert response.status_code == 200, response.content
    assert FileProvenance.objects.get().file.filename == wheel.filename


def test_the_policy_is_checked_again_under_the_projects_lock(client, required, auth, media_root, monkeypatch):
    """An Owner turning the policy on after the upload's first read still stops it: the write checks under the lock."""
    Project.objects.filter(pk=required.pk).update(provenance_required=False)
    plan = provenance.upload_plan

    def plan_then_policy_turned_on(**kwargs):
        result = plan(**kwargs)  # the policy is off as read here
        Project.objects.filter(pk=required.pk).update(provenance_required=True)
        return result

    monkeypatch.setattr(upload_service.provenance, "upload_plan", plan_then_policy_turned_on)
    assert_refused_by_policy(post(client, make_wheel("octo-app", "1.0"), auth))


def test_an_organisations_policy_covers_its_projects_and_its_new_ones(client, db, media_root):
    owner = UserFactory()
    organization = make_organization(owner, name="acme")
    organization.provenance_required = True
    organization.save()
    ProjectFactory(name="rocket", organization=organization)
    _, raw = organization_token_create(actor=owner, organization=organization, name="ci")
    message = (
        "{name} accepts only files with a verified attestation from one of its trusted publishers "
        "(the organisation acme requires verified provenance for all its projects). Publish from the project's "
        "trusted publisher workflow with attestations on (pypa/gh-action-pypi-publish does so by default; "
        "twine upload --attestations), not with an API token."
    )
    assert_refused_by_policy(post(client, make_wheel("rocket", "1.0"), basic_auth_header(raw)), message.format(name="rocket"))
    assert_refused_by_policy(post(client, make_wheel("new-thing", "1.0"), basic_auth_header(raw)), message.format(name="new-thing"))
    assert not Project.objects.filter(normalized_name="new-thing").exists()


# -- the Owner's switch -------------------------------------------------------------------------


@pytest.fixture
def owned(two_factor_user):
    project = ProjectFactory(name="octo-app")
    ProjectRole.objects.create(project=project, user=two_factor_user, role="Owner")
    return project


def test_an_owner_turns_the_policy_on_recorded_and_mailed(two_factor_client, two_factor_user, owned, django_capture_on_commit_callbacks):
    maintainer = UserFactory(username="maya")
    ProjectRole.objects.create(project=owned, user=maintainer, role="Maintainer")
    page = two_factor_client.get(URL).content.decode()
    assert 'name="provenance" value="required"' in page and "This project has no trusted publisher yet" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = two_factor_client.post(URL, {"action": "provenance", "provenance": "required"}, follow=True)

    assert "octo-app now accepts only files with a verified attestation from its trusted publishers." in response.content.decode()
    assert Project.objects.get(pk=owned.pk).provenance_required
    event = SecurityEvent.objects.get(tag="project:provenance:policy")
    assert (event.project_name, event.user, event.details) == ("octo-app", two_factor_user, {"provenance_required": True})
    assert sorted(m.to[0] for m in mail.outbox) == sorted([two_factor_user.primary_email.email, maintainer.primary_email.email])
    assert mail.outbox[0].subject.endswith("octo-app now requires verified provenance")
    assert "turned on the provenance policy of octo-app" in mail.outbox[0].body
    history = two_factor_client.get("/manage/project/octo-app/history/").content.decode()
    assert "Provenance policy changed" in history
    # The public page tells uploaders what to expect.
    assert "requires verified provenance" in two_factor_client.get("/project/octo-app/").content.decode()


def test_it_needs_a_fresh_authentication(two_factor_client, owned, settings):
    settings.REAUTH_MAX_AGE = -1
    response = two_factor_client.post(URL, {"action": "provenance", "provenance": "required"})
    assert "password" in response.content.decode().lower()
    assert not Project.objects.get(pk=owned.pk).provenance_required


def test_it_needs_two_factor_authentication(logged_in_client, user):
    project = ProjectFactory(name="octo-app")
    ProjectRole.objects.create(project=project, user=user, role="Owner")
    response = logged_in_client.post(URL, {"action": "provenance", "provenance": "required"})
    assert response.status_code == 302 and "two-factor" in response["Location"]
    assert not Project.objects.get(pk=project.pk).provenance_required


def test_a_maintainer_may_not(two_factor_client, two_factor_user):
    project = ProjectFactory(name="octo-app")
    ProjectRole.objects.create(project=project, user=two_factor_user, role="Maintainer")
    response = two_factor_client.post(URL, {"action": "provenance", "provenance": "required"})
    assert response.status_code == 403
    assert not Project.objects.get(pk=project.pk).provenance_required
    assert not SecurityEvent.objects.filter(tag="project:provenance:policy").exists()


def test_an_organisation_owner_sets_the_policy_for_all_its_projects(db, django_capture_on_commit_callbacks):
    from organizations.services import organization_provenance_set

    owner, member = UserFactory(), UserFactory()
    organization = make_organization(owner, name="acme")
    from tests.organizations.factories import add_member

    add_member(organization, member)
    project = ProjectFactory(name="rocket", organization=organization)
    assert provenance.required_by(project) is None
    with django_capture_on_commit_callbacks(execute=True):
        organization_provenance_set(actor=owner, organization=organization, required=True)
    assert provenance.required_by(Project.objects.get(pk=project.pk)) == "acme"
    event = SecurityEvent.objects.get(tag="organization:policy:change")
    assert event.details["policy"] == "provenance_required" and event.details["enabled"] is True
    assert {m.to[0] for m in mail.outbox} >= {owner.primary_email.email, member.primary_email.email}
    assert "verified provenance now required" in mail.outbox[0].subject


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_owners_switch_and_uploads_at_once_no_file_lands_after_the_switch(settings, media_root, monkeypatch):
    """Ten personal-token uploads and the Owner turning the policy on, all at once. Each upload read the policy
    as off before taking the lock (slowed down right there); those that take the project's lock after the switch
    must be refused, so every accepted file was written before the switch's event (both are written under the lock)."""
    import time

    from django.core.cache import cache
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.concurrency import at_once

    settings.UPLOAD_RATE_LIMIT = settings.PROJECT_CREATION_RATE_LIMIT = 10_000
    cache.clear()
    owner = UserFactory()
    TOTPDevice.objects.create(user=owner, name="phone", confirmed=True)
    project = ProjectFactory(name="octo-app")
    ProjectRoleFactory(project=project, user=owner)
    auth = basic_auth_header(make_token(owner)[1])
    plan = provenance.upload_plan

    def slow_plan(**kwargs):
        result = plan(**kwargs)
        time.sleep(0.3)  # the policy was read as off; the switch commits meanwhile
        return result

    monkeypatch.setattr(upload_service.provenance, "upload_plan", slow_plan)
    wheels = [make_wheel("octo-app", f"1.{n}") for n in range(10)]

    def upload(dist):
        def call():
            response = Client().post("/legacy/", {**upload_form(dist), "content": dist.upload()}, HTTP_AUTHORIZATION=auth)
            return response.status_code, response.content.decode().strip()

        return call

    def switch():
        time.sleep(0.1)
        provenance_services.project_provenance_policy_set(actor=owner, project=project, required=True)

    results = at_once(*[upload(w) for w in wheels], switch)

    assert results[-1] is None, results[-1]
    statuses = [r[0] for r in results[:-1]]
    assert set(statuses) <= {200, 403}, results
    assert all(body == POLICY for status, body in results[:-1] if status == 403)
    switched = SecurityEvent.objects.get(tag="project:provenance:policy").pk
    accepted = list(SecurityEvent.objects.filter(tag="file:add").values_list("pk", flat=True))
    assert len(accepted) == statuses.count(200) == File.objects.count()
    assert all(pk < switched for pk in accepted), (accepted, switched)
    assert 403 in statuses  # the slowed uploads met the switch under the lock
