"""Input checks of the collaboration pages (the forms every kind of membership has, with a project's roles)."""

from accounts.membership_pages import InvitationForm, MemberForm, membership_forms

from ..models import ProjectRole

ROLE_CHOICES = [
    (ProjectRole.Role.MAINTAINER, "Maintainer: can upload releases"),
    (ProjectRole.Role.OWNER, "Owner: can upload, manage releases, collaborators and settings"),
]

InviteForm, RoleChangeForm = membership_forms(choices=ROLE_CHOICES, initial=ProjectRole.Role.MAINTAINER)
RoleRemoveForm = MemberForm
InvitationRevokeForm = InvitationForm
