"""Collaboration services: invitations, roles, the last-Owner rule, events and mail to every collaborator."""

from datetime import timedelta

import pytest
from django.core import mail, signing
from django.utils import timezone

from accounts.models import SecurityEvent
from accounts.selectors import project_security_history, user_security_history
from packages.collaboration import services
from packages.models import RoleInvitation
from packages.collaboration.services import InvitationLinkError
from packages.errors import InvalidAction, NotAllowed
from packages.models import ProjectRole
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia")


@pytest.fixture
def project(owner):
    project = ProjectFactory(name="Shared-Thing")
    ProjectRole.objects.create(project=project, user=owner, role="Owner")
    return project


@pytest.fixture
def invitee(db):
    return UserFactory(username="ivan")


def token_of(invitation):
    return services.invitation_link(invitation).split("token=", 1)[1]


def roles(project):
    return dict(ProjectRole.objects.filter(project=project).values_list("user__username", "role"))


def mailed_to(*users):
    addresses = {u.primary_email.email for u in users}
    return [m for m in mail.outbox if set(m.to) & addresses]


def test_invite_then_accept_gives_the_role_records_events_and_mails_everyone(
    project, owner, invitee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(actor=owner, project=project, invitee=invitee, role="Maintainer")
    invite_mail = [m for m in mail.outbox if m.to == [invitee.primary_email.email]]
    assert len(invite_mail) == 1 and "Invitation to work on Shared-Thing" in invite_mail[0].subject
    assert services.invitation_link(invitation).split("token=")[0] in invite_mail[0].body
    assert mailed_to(owner) and "olivia invited ivan" in mailed_to(owner)[0].body
    assert roles(project) == {"olivia": "Owner"}

    mail.outbox.clear()
    found = services.invitation_from_link(token=token_of(invitation), user=invitee)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_accept(user=invitee, invitation=found)
    assert roles(project) == {"olivia": "Owner", "ivan": "Maintainer"}
    assert {m.to[0] for m in mail.outbox} == {owner.primary_email.email, invitee.primary_email.email}
    tags = [e.tag for e in project_security_history("shared-thing")]
    assert tags[:3] == ["project:role:add", "project:role:invite:accept", "project:role:invite"]
    # The invitee's own history shows what was done to them.
    assert {"project:role:invite", "project:role:add"} <= {e.tag for e in user_security_history(invitee)}


def test_links_work_once_and_only_for_their_invitee(project, owner, invitee):
    invitation = services.invitation_create(actor=owner, project=project, invitee=invitee, role="Maintainer")
    token = token_of(invitation)
    stranger = UserFactory()
    with pytest.raises(InvitationLinkError, match="sent to another account"):
        services.invitation_from_link(token=token, user=stranger)
    with pytest.raises(InvitationLinkError, match="not valid"):
        services.invitation_from_link(token=token[:-3] + "AAA", user=invitee)
    services.invitation_accept(user=invitee, invitation=services.invitation_from_link(token=token, user=invitee))
    with pytest.raises(InvitationLinkError, match="already accepted"):
        services.invitation_from_link(token=token, user=invitee)
    with pytest.raises(InvitationLinkError, match="already accepted"):
        services.invitation_accept(user=invitee, invitation=invitation)
    assert ProjectRole.objects.filter(project=project).count() == 2


def test_expired_and_revoked_links_change_nothing(project, owner, invitee):
    invitation = services.invitation_create(actor=owner, project=project, invitee=invitee, role="Owner")
    token = token_of(invitation)
    later = timezone.now() + timedelta(days=8)
    with pytest.raises(InvitationLinkError, match="expired"):
        signing_loads_at(later, token, invitee)
    RoleInvitation.objects.filter(pk=invitation.pk).update(expires=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvitationLinkError, match="expired"):
        services.invitation_accept(user=invitee, invitation=invitation)
    # A new invitation replaces the expired one; revoking it kills its link.
    fresh = services.invitation_create(actor=owner, project=project, invitee=invitee, role="Owner")
    services.invitation_revoke(actor=owner, invitation=fresh)
    with pytest.raises(InvitationLinkError, match="revoked"):
        services.invitation_from_link(token=token_of(fresh), user=invitee)
    assert roles(project) == {"olivia": "Owner"}
    assert SecurityEvent.objects.filter(tag="project:role:invite:revoke", target_user=invitee).exists()


def signing_loads_at(moment, token, user):
    """Check the link as if read at `moment` (the signature's own timestamp then is 8 days old)."""
    import time as time_module
    from unittest import mock

    with mock.patch.object(time_module, "time", return_value=moment.timestamp()):
        return services.invitation_from_link(token=token, user=user)


def test_only_owners_invite_and_nobody_is_invited_twice(project, owner, invitee):
    maintainer = UserFactory()
    ProjectRole.objects.create(project=project, user=maintainer, role="Maintainer")
    with pytest.raises(NotAllowed):
        services.invitation_create(actor=maintainer, project=project, invitee=invitee, role="Maintainer")
    services.invitation_create(actor=owner, project=project, invitee=invitee, role="Maintainer")
    with pytest.raises(InvalidAction, match="already has a pending invitation"):
        services.invitation_create(actor=owner, project=project, invitee=invitee, role="Owner")
    with pytest.raises(InvalidAction, match="already works on"):
        services.invitation_create(actor=owner, project=project, invitee=maintainer, role="Owner")
    unverified = UserFactory(email__verified=False)
    with pytest.raises(InvalidAction, match="no verified primary email"):
        services.invitation_create(actor=owner, project=project, invitee=unverified, role="Maintainer")
    assert RoleInvitation.objects.count() == 1


def test_decline_leaves_roles_unchanged(project, owner, invitee):
    invitation = services.invitation_create(actor=owner, project=project, invitee=invitee, role="Maintainer")
    services.invitation_decline(user=invitee, invitation=invitation)
    assert roles(project) == {"olivia": "Owner"}
    assert RoleInvitation.objects.get().status == "declined"
    assert SecurityEvent.objects.filter(tag="project:role:invite:decline", project_name="shared-thing").exists()


def test_last_owner_can_neither_leave_be_removed_nor_demoted(project, owner):
    with pytest.raises(InvalidAction, match="last Owner"):
        services.role_remove(actor=owner, project=project, user=owner)
    with pytest.raises(InvalidAction, match="last Owner"):
        services.role_change(actor=owner, project=project, user=owner, role="Maintainer")
    second = UserFactory()
    services.role_add(project=project, user=second, role="Owner", actor=owner)
    services.role_change(actor=second, project=project, user=owner, role="Maintainer")
    with pytest.raises(InvalidAction, match="last Owner"):
        services.role_remove(actor=second, project=project, user=second)
    assert roles(project) == {"olivia": "Maintainer", second.username: "Owner"}


def test_change_remove_and_leave_record_events_and_mail(project, owner, django_capture_on_commit_callbacks):
    member = UserFactory(username="mia")
    ProjectRole.objects.create(project=project, user=member, role="Maintainer")
    with django_capture_on_commit_callbacks(execute=True):
        services.role_change(actor=owner, project=project, user=member, role="Owner")
    assert len(mail.outbox) == 2 and all("mia is now Owner" in m.subject for m in mail.outbox)
    event = SecurityEvent.objects.get(tag="project:role:change")
    assert event.user == owner and event.target_user == member
    assert event.details == {"target_user": "mia", "role_name": "Owner", "previous_role": "Maintainer"}

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.role_remove(actor=owner, project=project, user=member)
    # The removed person is told too, although they no longer work on the project.
    assert {m.to[0] for m in mail.outbox} == {"olivia@example.com", "mia@example.com"}
    assert roles(project) == {"olivia": "Owner"}

    helper = UserFactory()
    ProjectRole.objects.create(project=project, user=helper, role="Maintainer")
    services.role_remove(actor=helper, project=project, user=helper)
    leave = SecurityEvent.objects.filter(tag="project:role:remove").first()
    assert leave.user == helper and leave.target_user == helper
    assert leave in user_security_history(helper)


def test_maintainers_cannot_remove_others(project, owner):
    maintainer = UserFactory()
    ProjectRole.objects.create(project=project, user=maintainer, role="Maintainer")
    with pytest.raises(NotAllowed):
        services.role_remove(actor=maintainer, project=project, user=owner)
    with pytest.raises(NotAllowed):
        services.role_change(actor=maintainer, project=project, user=maintainer, role="Owner")
    assert roles(project)[owner.username] == "Owner"


def test_a_link_signed_with_another_salt_is_refused(project, owner, invitee):
    invitation = services.invitation_create(actor=owner, project=project, invitee=invitee, role="Maintainer")
    forged = signing.dumps({"invitation": invitation.pk, "user": invitee.pk}, salt="another purpose")
    with pytest.raises(InvitationLinkError, match="not valid"):
        services.invitation_from_link(token=forged, user=invitee)


def test_yank_and_removals_mail_every_collaborator(project, owner, media_root, django_capture_on_commit_callbacks):
    from packages import services as project_services
    from tests.packages.factories import FileFactory, ReleaseFactory

    maintainer = UserFactory(username="mia")
    ProjectRole.objects.create(project=project, user=maintainer, role="Maintainer")
    everyone = {"olivia@example.com", "mia@example.com"}
    release = ReleaseFactory(project=project, version="1.0")
    file = FileFactory(release=release, stored=True)
    other = ReleaseFactory(project=project, version="2.0")

    cases = [
        (lambda: project_services.release_yank(user=owner, release=release, reason="broken"), "Shared-Thing 1.0 yanked", "Reason: broken"),
        (lambda: project_services.file_remove(user=owner, file=file), f"File {file.filename} removed", "can never be uploaded again"),
        (lambda: project_services.release_remove(user=owner, release=other), "Shared-Thing 2.0 removed", "removed release 2.0"),
    ]
    for change, subject, sentence in cases:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            change()
        assert {m.to[0] for m in mail.outbox} == everyone
        assert all(subject in m.subject and sentence in m.body for m in mail.outbox)


def test_a_refused_change_sends_no_mail(project, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(InvalidAction):
            services.role_change(actor=owner, project=project, user=owner, role="Maintainer")
    assert mail.outbox == []


def test_a_person_sends_at_most_the_daily_number_of_invitations_of_every_kind(
    project, owner, settings, rate_limit_clock, django_capture_on_commit_callbacks
):
    from organizations import services as organizations
    from organizations.errors import OrganizationError
    from tests.organizations.factories import make_organization

    settings.INVITATION_RATE_LIMIT = 2
    organization = make_organization(owner)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(actor=owner, project=project, invitee=UserFactory(), role="Maintainer")
        organizations.invitation_create(actor=owner, organization=organization, invitee=UserFactory(), role="Member")
    mails = len(mail.outbox)
    late = UserFactory()

    with pytest.raises(InvalidAction, match="You have sent 2 invitations today, the most a day; try again in"):
        services.invitation_create(actor=owner, project=project, invitee=late, role="Maintainer")
    with pytest.raises(OrganizationError, match="You have sent 2 invitations today"):
        organizations.invitation_create(actor=owner, organization=organization, invitee=late, role="Member")

    assert not RoleInvitation.objects.filter(invitee=late).exists()
    assert len(mail.outbox) == mails
    limited = SecurityEvent.objects.filter(tag="account:rate_limited", user=owner)
    assert [event.details["limit"] for event in limited] == ["invitations-sent"] * 2
    # Another Owner of the same project still has their own allowance.
    other = UserFactory()
    ProjectRole.objects.create(project=project, user=other, role="Owner")
    assert services.invitation_create(actor=other, project=project, invitee=late, role="Maintainer").invitee == late


def test_messages_name_the_role_in_the_readers_language(project, owner):
    from django.utils import translation

    maintainer = UserFactory()
    ProjectRole.objects.create(project=project, user=maintainer, role="Maintainer")

    with translation.override("es"), pytest.raises(InvalidAction) as error:
        services.role_change(actor=owner, project=project, user=maintainer, role="Maintainer")

    assert error.value.message == f"{maintainer.username} ya es Mantenedor de Shared-Thing."


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_invitations_sent_at_once_pass_the_daily_limit_exactly(settings, rate_limit_clock):
    from tests.concurrency import at_once

    settings.INVITATION_RATE_LIMIT = 3
    owner = UserFactory()
    project = ProjectFactory(name="busy")
    ProjectRole.objects.create(project=project, user=owner, role="Owner")
    invitees = [UserFactory() for _ in range(8)]

    results = at_once(
        *[
            (lambda person: lambda: services.invitation_create(actor=owner, project=project, invitee=person, role="Maintainer"))(p)
            for p in invitees
        ]
    )

    refused = [r for r in results if isinstance(r, InvalidAction)]
    assert RoleInvitation.objects.filter(project=project).count() == 3, results
    assert len(refused) == 5 and all("You have sent 3 invitations today" in r.message for r in refused), results
