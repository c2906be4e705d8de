"""The upload's hand-written reads say what the ORM's rules say: the right to upload, the standing, the name's facts."""

from django_otp.plugins.otp_totp.models import TOTPDevice
from packaging.utils import canonicalize_name

from mfa.selectors import user_upload_standing
from organizations.models import NameReservation
from packages.collaboration.selectors import user_project_role
from packages.models import ProhibitedProjectName, ProjectRole, Release, TeamProjectRole
from packages.naming.policy import name_facts
from packages.upstream.names import reservation_for
from packages.upload import statements
from tests.accounts.factories import UserFactory
from tests.organizations.factories import add_member, make_organization, make_team
from tests.packages.factories import ProjectFactory


def _found(user, project, **kwargs):
    return statements.before_lock(
        user_id=user.pk,
        name=project.name,
        normalized_name=project.normalized_name,
        canonical_version="1",
        sdist=True,
        filename="nothing-1.0.tar.gz",
        digest=None,
        **kwargs,
    )


def test_the_right_to_upload_read_in_one_statement_is_the_effective_role_rule(db):
    owner, manager, member, outsider, stranger = (UserFactory() for _ in range(5))
    org = make_organization(owner, name="acme")
    add_member(org, manager, role="Manager")
    add_member(org, member)
    other = make_organization(stranger, name="elsewhere")
    rocket = ProjectFactory(name="rocket", organization=org)
    personal = ProjectFactory(name="personal")
    ProjectRole.objects.create(project=personal, user=member, role="Maintainer")
    team = make_team(org, owner, name="core", members=[member])
    foreign_team = make_team(other, stranger, name="foreign", members=[stranger])
    people = (owner, manager, member, outsider, stranger)

    def agree():
        for project in (rocket, personal):
            for user in people:
                expected = user_project_role(user=user, project=project) is not None
                assert _found(user, project).may_upload is expected, (user, project)
                _, may_upload, _ = statements.under_lock(
                    project_id=project.pk, user_id=user.pk, canonical_version="1", sdist=True
                )
                assert may_upload is expected, (user, project)

    agree()
    TeamProjectRole.objects.create(team=team, project=rocket, role="Maintainer")
    TeamProjectRole.objects.create(team=foreign_team, project=rocket, role="Owner")  # another organisation's team
    agree()
    ProjectRole.objects.create(project=rocket, user=outsider, role="Owner")
    agree()
    assert _found(member, rocket).may_upload and not _found(stranger, rocket).may_upload


def test_the_project_release_and_standing_read_in_one_statement_are_the_orms(db):
    user = UserFactory()
    project = ProjectFactory(name="demo", total_size=123)
    release = Release.objects.create(project=project, version="1.0", canonical_version="1", metadata={"name": "demo"})
    found = _found(user, project)
    assert (found.project.pk, found.project.total_size, found.project.created) == (project.pk, 123, project.created)
    assert found.release.pk == release.pk and found.release.metadata == {"name": "demo"} and found.release.has_sdist is False
    assert (found.verified, found.two_factor) == user_upload_standing(user)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    found = _found(user, project)
    assert (found.verified, found.two_factor) == user_upload_standing(user) == (True, True)


def test_the_names_facts_are_read_as_the_rules_read_them(db):
    owner = UserFactory()
    org = make_organization(owner, name="acme")
    NameReservation.objects.create(organization=org, name="acme-", prefix=True)
    NameReservation.objects.create(organization=org, name="exact", prefix=False)
    ProhibitedProjectName.objects.create(name="banned")
    ProjectFactory(name="lookalike")

    assert name_facts("Banned").prohibited and not name_facts("fine").prohibited
    assert (name_facts("acme_tools").reserved_by_id, name_facts("acme_tools").reserved_by) == (org.pk, "acme")
    assert name_facts("exact").reserved_by == "acme" and name_facts("exactly").reserved_by is None
    assert name_facts("acme").reserved_by is None  # the prefix is "acme-": the bare name is not covered
    assert name_facts("l00ka1ike").similar_to == "lookalike"
    assert name_facts("lookalike").similar_to is None  # its own name is not a look-alike of itself
    assert name_facts("something-else") == name_facts(canonicalize_name("Something_Else"))
    # The same reservation the upstream's rule finds (upstream.names.reservation_for), for every kind of name.
    for name in ("acme_tools", "acme-", "acme", "exact", "exactly", "fine"):
        covering = reservation_for(canonicalize_name(name))
        assert name_facts(name).reserved_by_id == (covering.organization_id if covering else None), name
