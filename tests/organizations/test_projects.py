"""Organisation projects: the effective role, uploads with personal and organisation tokens, leaving, moving, the policy."""

import pytest
from django.http import QueryDict
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import SecurityEvent
from organizations import services as org_services
from packages.collaboration.selectors import management_refusal, user_project_role
from packages.collaboration import services as collaboration
from packages.errors import InvalidAction, NotAllowed, UploadForbidden
from packages.models import Project, ProjectRole, TeamProjectRole
from packages.organization_projects import services
from packages.upload.service import release_file_upload
from tests.accounts.factories import UserFactory
from tests.organizations.factories import add_member, make_organization, make_team
from tests.packages.distributions import make_wheel, upload_form
from tests.packages.factories import ProjectFactory
from tests.tokens.factories import make_token
from tokens.errors import TokenError
from tokens.organization import organization_token_create
from tokens.services import token_authenticate, token_revoke, token_rotate


def with_2fa(**kwargs):
    user = UserFactory(**kwargs)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


@pytest.fixture
def world(db, media_root):
    owner, manager, member, outsider = with_2fa(username="olivia"), with_2fa(username="max"), with_2fa(username="mia"), with_2fa(username="otto")
    org = make_organization(owner, name="acme")
    add_member(org, manager, role="Manager")
    add_member(org, member)
    project = ProjectFactory(name="rocket", organization=org)
    team = make_team(org, owner, name="core", members=[member])
    return {"owner": owner, "manager": manager, "member": member, "outsider": outsider, "org": org, "project": project, "team": team}


def upload(name, version, *, user, token):
    dist = make_wheel(name, version)
    data = QueryDict(mutable=True)
    for key, value in upload_form(dist).items():
        data.setlist(key, value) if isinstance(value, list) else data.__setitem__(key, value)
    return release_file_upload(user=user, token=token, data=data, content=dist.upload())


def test_effective_role_is_the_highest_of_own_team_and_organisation_ownership(world):
    p, member = world["project"], world["member"]
    assert user_project_role(user=world["owner"], project=p) == "Owner"  # organisation Owner
    assert user_project_role(user=world["manager"], project=p) is None  # Managers get nothing by themselves
    assert user_project_role(user=member, project=p) is None
    services.team_project_role_set(actor=world["manager"], team=world["team"], project=p, role="Maintainer")
    assert user_project_role(user=member, project=p) == "Maintainer"
    ProjectRole.objects.create(project=p, user=member, role="Owner")
    assert user_project_role(user=member, project=p) == "Owner"
    assert user_project_role(user=world["outsider"], project=p) is None
    events = SecurityEvent.objects.filter(tag="organization:team:role:project")
    assert events.get().project_name == "rocket" and events.get().organization_name == "acme"


def test_team_role_lets_the_member_upload_with_a_personal_token_until_they_leave(world):
    p, member = world["project"], world["member"]
    token = make_token(member)[0]
    with pytest.raises(UploadForbidden, match="The user 'mia' isn't allowed to upload to project 'rocket'"):
        upload("rocket", "1.0", user=member, token=token)
    services.team_project_role_set(actor=world["owner"], team=world["team"], project=p, role="Maintainer")
    ProjectRole.objects.create(project=p, user=member, role="Maintainer")  # also a direct role
    assert upload("rocket", "1.0", user=member, token=token).created
    org_services.role_remove(actor=member, organization=world["org"], user=member)
    # Leaving ends the team place and the direct role, in the same transaction.
    assert not ProjectRole.objects.filter(user=member).exists()
    with pytest.raises(UploadForbidden, match="isn't allowed to upload to project 'rocket'"):
        upload("rocket", "1.1", user=member, token=token)


def test_organisation_token_creates_projects_owned_by_the_organisation_and_outlives_its_creator(world):
    manager = world["manager"]
    token, raw = organization_token_create(actor=manager, organization=world["org"], name="ci")
    assert token.owner is None and token.created_by == manager
    authenticated = token_authenticate(raw=raw)
    result = upload("newthing", "1.0", user=None, token=authenticated)
    created = Project.objects.get(normalized_name="newthing")
    assert created.organization == world["org"] and not created.roles.exists()
    org_services.role_remove(actor=manager, organization=world["org"], user=manager)
    assert upload("rocket", "1.0", user=None, token=token_authenticate(raw=raw)).created
    assert result.file.uploaded_by is None and result.file.token_identifier == token.identifier
    history = list(SecurityEvent.objects.filter(organization_name="acme").values_list("tag", flat=True))
    assert "organization:api_token:added" in history and history.count("organization:api_token:used") == 2
    assert "organization:project:add" in history


def test_organisation_token_is_refused_outside_its_organisation_and_scope(world):
    token, raw = organization_token_create(actor=world["owner"], organization=world["org"], name="ci", projects=["rocket"])
    ProjectFactory(name="elsewhere")
    with pytest.raises(UploadForbidden, match="project-scoped token is not valid for project: 'elsewhere'"):
        upload("elsewhere", "1.0", user=None, token=token_authenticate(raw=raw))
    wide, wide_raw = organization_token_create(actor=world["owner"], organization=world["org"], name="wide")
    with pytest.raises(UploadForbidden, match="the project does not belong to its organisation"):
        upload("elsewhere", "1.0", user=None, token=token_authenticate(raw=wide_raw))


def test_only_owners_and_managers_create_organisation_tokens(world):
    with pytest.raises(TokenError, match="Only an Owner or a Manager of acme can create organisation tokens"):
        organization_token_create(actor=world["member"], organization=world["org"], name="mine")


def test_organisation_token_rotate_and_revoke_land_in_its_history(world):
    token, raw = organization_token_create(actor=world["owner"], organization=world["org"], name="ci")
    new, new_raw = token_rotate(token=token)
    assert new.organization == world["org"] and new.owner is None
    token_revoke(token=new)
    tags = list(SecurityEvent.objects.filter(organization_name="acme").values_list("tag", flat=True))
    assert "organization:api_token:rotated" in tags and "organization:api_token:removed" in tags


def test_transfer_in_needs_owner_of_both_and_out_keeps_an_owner(world):
    owner, outsider = world["owner"], world["outsider"]
    mine = ProjectFactory(name="mine")
    ProjectRole.objects.create(project=mine, user=outsider, role="Owner")
    with pytest.raises(NotAllowed):
        services.project_transfer_in(actor=outsider, project=mine, organization=world["org"])
    with pytest.raises(NotAllowed):
        services.project_transfer_in(actor=owner, project=mine, organization=world["org"])
    ProjectRole.objects.create(project=mine, user=owner, role="Owner")
    services.project_transfer_in(actor=owner, project=mine, organization=world["org"])
    mine.refresh_from_db()
    assert mine.organization == world["org"]
    services.team_project_role_set(actor=owner, team=world["team"], project=mine, role="Owner")
    rocket = world["project"]
    services.team_project_role_set(actor=owner, team=world["team"], project=rocket, role="Owner")
    services.project_transfer_out(actor=owner, project=rocket)
    rocket.refresh_from_db()
    assert rocket.organization is None and not TeamProjectRole.objects.filter(project=rocket).exists()
    assert ProjectRole.objects.get(project=rocket).user == owner  # someone still owns it
    tags = list(SecurityEvent.objects.filter(organization_name="acme").values_list("tag", flat=True))
    assert "organization:project:add" in tags and "organization:project:remove" in tags


def test_last_personal_owner_may_leave_an_organisation_project(world):
    p = world["project"]
    ProjectRole.objects.create(project=p, user=world["member"], role="Owner")
    collaboration.role_remove(actor=world["member"], project=p, user=world["member"])
    assert not ProjectRole.objects.filter(project=p).exists()


def test_security_key_policy_takes_management_away_until_a_key_is_added(world):
    owner, p = world["owner"], world["project"]
    assert management_refusal(user=owner, project=p) is None
    org_services.organization_policy_set(actor=owner, organization=world["org"], require_security_key=True)
    p = Project.objects.get(pk=p.pk)
    message = management_refusal(user=owner, project=p)
    assert "The organisation acme requires its members to use a security key" in message
    with pytest.raises(NotAllowed, match="requires its members to use a security key"):
        collaboration.invitation_create(actor=owner, project=p, invitee=world["outsider"], role="Maintainer")
    WebAuthnCredential.objects.create(user=owner, name="Key", credential_id=b"k" * 16, public_key=b"k", confirmed=True)
    assert management_refusal(user=owner, project=p) is None


def test_team_roles_only_by_owners_and_managers_on_the_organisations_projects(world):
    with pytest.raises(NotAllowed, match="Only an Owner or a Manager of acme"):
        services.team_project_role_set(actor=world["member"], team=world["team"], project=world["project"], role="Owner")
    stray = ProjectFactory(name="stray")
    with pytest.raises(InvalidAction, match="does not belong to acme"):
        services.team_project_role_set(actor=world["owner"], team=world["team"], project=stray, role="Owner")


def _post(client, name, version, raw):
    from tests.tokens.factories import basic_auth_header

    dist = make_wheel(name, version)
    return client.post(
        "/legacy/", {**upload_form(dist), "content": dist.upload()}, HTTP_AUTHORIZATION=basic_auth_header(raw)
    )


def test_organisation_token_through_the_upload_api(client, world):
    token, raw = organization_token_create(actor=world["owner"], organization=world["org"], name="ci")
    response = _post(client, "rocket", "1.0", raw)
    assert response.status_code == 200, response.content
    used = SecurityEvent.objects.filter(tag="organization:api_token:used").get()
    assert used.user is None and used.details["token_id"] == token.identifier
    # An expired organisation token is refused with PyPI's message, and the refusal is recorded.
    from django.utils import timezone

    type(token).objects.filter(pk=token.pk).update(expires=timezone.now())
    response = _post(client, "rocket", "1.1", raw)
    assert response.status_code == 403
    assert SecurityEvent.objects.filter(tag="account:api_token:expired_use", organization_name="acme").exists()


def test_organisation_tokens_stop_while_the_organisation_is_not_approved(client, world):
    token, raw = organization_token_create(actor=world["owner"], organization=world["org"], name="ci")
    type(world["org"]).objects.filter(pk=world["org"].pk).update(status="declined")
    response = _post(client, "rocket", "1.0", raw)
    assert response.status_code == 403 and not Project.objects.get(name="rocket").releases.exists()
