"""Writes about projects and organisations: transfer in and out, and what a team may do on a project.

Each change locks the project's row (and the organisation's, where its
membership counts), records its event in both the project's and the
organisation's histories, and mails the people concerned after commit.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_lazy
from packaging.utils import canonicalize_name

from accounts.events import record_event
from organizations import selectors as organizations
from organizations.errors import only_role_message
from organizations.models import Organization, OrganizationRole
from organizations.notify import notify_organization

from .. import services as packages
from ..collaboration.notify import notify_collaborators
from ..collaboration.selectors import require_not_quarantined, require_owner
from ..errors import InvalidAction, NotAllowed
from ..events import EventTag
from ..index import fastpath
from ..models import Project, ProjectRole, TeamProjectRole
from ..naming import rules as names
from ..naming.policy import new_project_name_check, project_creation_count
from ..upstream import reservations

ROLES = (ProjectRole.Role.OWNER, ProjectRole.Role.MAINTAINER)


def _record(tag, *, request, actor, project, organization, target=None, **details):
    record_event(
        tag=tag,
        request=request,
        user=actor,
        target_user=target,
        project_name=project.normalized_name,
        organization_name=organization.name,
        details={"organization": organization.name, "project": project.name, **details},
    )


def _locked(project):
    return Project.objects.select_for_update().get(pk=project.pk)


def _require_org_role(*, user, organization, roles, what):
    if organizations.user_organization_role(user=user, organization=organization) not in roles:
        raise NotAllowed(only_role_message(roles=roles, organization=organization, what=what))


def _check_new_name(name, *, organization):
    """A first upload's name rules, and no project of that name yet (creating by name never adds to one)."""
    names.check_name_valid(name)
    existing = Project.objects.filter(normalized_name=canonicalize_name(name)).values_list("name", flat=True).first()
    names.check_name_unused(name, existing=existing)
    new_project_name_check(name, organization_id=organization.pk)


def organization_project_create(*, request=None, actor, organization, name):
    """An Owner or Manager creates an empty project `name` owned by `organization`, ready for its first upload.

    The name passes the rules of a first upload. The unique constraints on
    project names decide between requests at once: the loser hears the same
    refusal it would have heard a moment later.
    """
    name = (name or "").strip()
    _require_org_role(user=actor, organization=organization, roles=organizations.MANAGERS, what=gettext_lazy("create projects"))
    _check_new_name(name, organization=organization)
    # The organisation's daily allowance of new projects, shared with its token's first uploads.
    project_creation_count(request=request, key=f"organization:{organization.pk}", person=actor)
    with transaction.atomic():
        organization = Organization.objects.select_for_update().filter(pk=organization.pk).first()
        if organization is None:
            raise InvalidAction(gettext("This organisation no longer exists."))
        _require_org_role(user=actor, organization=organization, roles=organizations.MANAGERS, what=gettext_lazy("create projects"))
        if not organization.is_active:
            raise InvalidAction(
                gettext("%(name)s is waiting for approval by the site's staff.") % {"name": organization.name}
            )
        reservations.creation_check(name, organization_id=organization.pk)
        try:
            with transaction.atomic():
                project = packages.project_create(request=request, user=actor, name=name, organization=organization)
        except IntegrityError:
            # A parallel request has just taken it (or a look-alike): say which.
            _check_new_name(name, organization=organization)
            raise InvalidAction(gettext("The project %(name)s could not be created; try again.") % {"name": name}) from None
        notify_organization(
            organization=organization,
            subject=gettext("%(project)s added to %(organization)s") % {"project": name, "organization": organization.name},
            message=gettext("%(user)s created the project %(project)s in the organisation %(organization)s.")
            % {"user": actor.username, "project": name, "organization": organization.name},
        )
    return project


def project_transfer_in(*, request=None, actor, project, organization):
    """Move `project` into `organization`; `actor` must be an Owner of both. Its collaborators keep their roles."""
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        project = _locked(project)
        _require_org_role(
            user=actor,
            organization=organization,
            roles=(OrganizationRole.Role.OWNER,),
            what=gettext_lazy("move projects in"),
        )
        if not organization.is_active:
            raise InvalidAction(
                gettext("%(organization)s is waiting for approval by the site's staff.")
                % {"organization": organization.name}
            )
        if project.organization_id == organization.pk:
            raise InvalidAction(
                gettext("%(project)s already belongs to %(organization)s.")
                % {"project": project.name, "organization": organization.name}
            )
        if project.organization_id is not None:
            raise InvalidAction(
                gettext("%(project)s belongs to another organisation; it must be moved out of it first.")
                % {"project": project.name}
            )
        require_owner(user=actor, project=project)
        project.organization = organization
        project.save(update_fields=["organization"])
        _record(
            EventTag.ORGANIZATION_PROJECT_ADD, request=request, actor=actor, project=project, organization=organization
        )
        _notify_move(
            actor=actor,
            project=project,
            organization=organization,
            to_collaborators=gettext("%(project)s now belongs to %(organization)s"),
            to_organization=gettext("%(project)s added to %(organization)s"),
            message=gettext("%(user)s moved the project %(project)s into the organisation %(organization)s."),
        )
    return project


def project_transfer_out(*, request=None, actor, project):
    """Move `project` out of its organisation; `actor` must be an Owner of the organisation.

    Teams lose their roles on it; if no person owns it any more, `actor` becomes its Owner.
    """
    with transaction.atomic():
        project = _locked(project)
        require_not_quarantined(project=project)
        if project.organization_id is None:
            raise InvalidAction(gettext("%(project)s belongs to no organisation.") % {"project": project.name})
        organization = Organization.objects.select_for_update().get(pk=project.organization_id)
        _require_org_role(
            user=actor,
            organization=organization,
            roles=(OrganizationRole.Role.OWNER,),
            what=gettext_lazy("move projects out"),
        )
        TeamProjectRole.objects.filter(project=project).delete()
        project.organization = None
        project.save(update_fields=["organization"])
        if not ProjectRole.objects.filter(project=project, role=ProjectRole.Role.OWNER).exists():
            ProjectRole.objects.update_or_create(project=project, user=actor, defaults={"role": ProjectRole.Role.OWNER})
            record_event(
                tag=EventTag.PROJECT_ROLE_ADD,
                request=request,
                user=actor,
                target_user=actor,
                project_name=project.normalized_name,
                details={"target_user": actor.username, "role_name": ProjectRole.Role.OWNER},
            )
        _record(
            EventTag.ORGANIZATION_PROJECT_REMOVE,
            request=request,
            actor=actor,
            project=project,
            organization=organization,
        )
        left = gettext("%(project)s left %(organization)s")
        _notify_move(
            actor=actor,
            project=project,
            organization=organization,
            to_collaborators=left,
            to_organization=left,
            message=gettext("%(user)s moved the project %(project)s out of the organisation %(organization)s."),
        )
    return project


def _notify_move(*, actor, project, organization, to_collaborators, to_organization, message):
    """Mail a project's move into or out of an organisation to its collaborators and the organisation's people."""
    names = {"user": actor.username, "project": project.name, "organization": organization.name}
    notify_collaborators(project=project, subject=to_collaborators % names, message=message % names)
    notify_organization(organization=organization, subject=to_organization % names, message=message % names)


def _team_and_project(*, actor, team, project, what):
    project = _locked(project)
    require_not_quarantined(project=project)
    organization = team.organization
    if project.organization_id != organization.pk:
        raise InvalidAction(
            gettext("%(project)s does not belong to %(organization)s.")
            % {"project": project.name, "organization": organization.name}
        )
    _require_org_role(user=actor, organization=organization, roles=organizations.MANAGERS, what=what)
    return project, organization


def team_project_role_set(*, request=None, actor, team, project, role):
    """Give `team` the role `role` on `project` (both of one organisation), or change it."""
    if role not in ROLES:
        raise InvalidAction(gettext("Unknown role '%(role)s': choose Owner or Maintainer.") % {"role": role})
    with transaction.atomic():
        project, organization = _team_and_project(
            actor=actor, team=team, project=project, what=gettext_lazy("give teams roles")
        )
        current = TeamProjectRole.objects.filter(team=team, project=project).first()
        if current is not None and current.role == role:
            raise InvalidAction(
                gettext("The team %(team)s is already %(role)s of %(project)s.")
                % {"team": team.name, "role": ProjectRole.Role(role).label, "project": project.name}
            )
        previous = current.role if current else None
        TeamProjectRole.objects.update_or_create(team=team, project=project, defaults={"role": role})
        _record(
            EventTag.ORGANIZATION_TEAM_ROLE_PROJECT,
            request=request,
            actor=actor,
            project=project,
            organization=organization,
            team=team.name,
            role_name=role,
            previous_role=previous,
        )
        members = [m.member.user for m in team.members.select_related("member__user")]
        names = {
            "user": actor.username,
            "team": team.name,
            "organization": organization.name,
            "role": ProjectRole.Role(role).label,
            "project": project.name,
        }
        notify_collaborators(
            project=project,
            subject=gettext("Team %(team)s is %(role)s of %(project)s") % names,
            message=gettext("%(user)s made the team %(team)s (%(organization)s) %(role)s of %(project)s.") % names,
            also=members,
        )
    return project


def team_project_role_remove(*, request=None, actor, team, project):
    with transaction.atomic():
        project, organization = _team_and_project(
            actor=actor, team=team, project=project, what=gettext_lazy("change teams' roles")
        )
        current = TeamProjectRole.objects.filter(team=team, project=project).first()
        if current is None:
            raise InvalidAction(
                gettext("The team %(team)s has no role on %(project)s.") % {"team": team.name, "project": project.name}
            )
        current.delete()
        _record(
            EventTag.ORGANIZATION_TEAM_ROLE_PROJECT_REMOVE,
            request=request,
            actor=actor,
            project=project,
            organization=organization,
            team=team.name,
            role_name=current.role,
        )
        members = [m.member.user for m in team.members.select_related("member__user")]
        names = {"user": actor.username, "team": team.name, "organization": organization.name, "project": project.name}
        notify_collaborators(
            project=project,
            subject=gettext("Team %(team)s no longer works on %(project)s") % names,
            message=gettext("%(user)s removed the role of the team %(team)s (%(organization)s) on %(project)s.") % names,
            also=members,
        )


def organization_reading_changed(*, sender, organization, **kwargs):
    """On organizations.signals.reading_changed: who may read the organisation's private projects changed,
    so everything cached about them, and the root index, is out of date."""
    private_names = Project.objects.filter(organization=organization, private=True).values_list("normalized_name", flat=True)
    for name in private_names:
        fastpath.project_changed(name=name, index=True)


def member_projects_revoke(*, sender, organization, user, actor, request=None, **kwargs):
    """On organizations.signals.member_removed: the person's own roles on the organisation's projects end too."""
    roles = ProjectRole.objects.filter(user=user, project__organization=organization).select_related("project")
    for role in roles:
        record_event(
            tag=EventTag.PROJECT_ROLE_REMOVE,
            request=request,
            user=actor,
            target_user=user,
            project_name=role.project.normalized_name,
            organization_name=organization.name,
            details={"target_user": user.username, "role_name": role.role, "reason": "left the organisation"},
        )
    roles.delete()
