"""The one rule of reading: may this reader see this project?

- On a public site (`PRIVATE_INDEX` off) a public project is readable by all.
- With `PRIVATE_INDEX` on, every read needs a reader: a signed-in person or a
  valid token (the views refuse anonymous requests before asking here).
- A token reads only within its scope (`APIToken.scope_allows_read`), and
  only what its holder may read.
- A private project is readable by staff (signed in, not through a token),
  by the people with a role on it, by the members of the teams with a role on
  it, by its organisation's Owners, and by every member of its organisation
  when the organisation lets members read all its projects. An organisation's
  token reads its organisation's private projects; a trusted publisher's
  token the projects it was minted for.

To anyone else a private project does not exist: callers answer exactly as
for a name nobody has.
"""

from django.conf import settings
from django.db.models import Q

from organizations.models import OrganizationRole

from ..models import Project
from ..selectors import VISIBLE


def may_read(reader, *, name, private):
    """Whether `reader` may read the project `name` (normalized), which is `private` or not."""
    if reader.scope is not None and name not in reader.scope:
        return False
    if not private:
        return reader.authenticated or not settings.PRIVATE_INDEX
    return reader.staff or name in reader.private_names


def readable(reader, projects=None):
    """`projects` (a Project queryset; default all visible) narrowed to those `reader` may read."""
    projects = Project.objects.filter(VISIBLE) if projects is None else projects
    if reader.scope is not None:
        projects = projects.filter(normalized_name__in=sorted(reader.scope))
    if not reader.authenticated and settings.PRIVATE_INDEX:
        return projects.none()
    if reader.staff:
        return projects
    return projects.filter(Q(private=False) | Q(normalized_name__in=sorted(reader.private_names)))


def private_names_of_user(user):
    """Normalized names of the private projects `user` may read in person (staff aside). One query."""
    return frozenset(
        Project.objects.filter(private=True)
        .filter(
            Q(roles__user=user)
            | Q(team_roles__team__members__member__user=user)
            | Q(organization__roles__user=user, organization__roles__role=OrganizationRole.Role.OWNER)
            | Q(organization__members_read_all=True, organization__roles__user=user)
        )
        .values_list("normalized_name", flat=True)
        .distinct()
    )


def private_names_of_token(token):
    """Normalized names of the private projects `token`'s holder may read (its scope applies on top)."""
    if token.organization_id is not None:
        names = Project.objects.filter(private=True, organization_id=token.organization_id)
    elif token.owner_id is not None:
        return private_names_of_user(token.owner)
    else:
        # A trusted publisher's token: the projects it was minted for.
        names = Project.objects.filter(private=True, normalized_name__in=list(token.projects))
    return frozenset(names.values_list("normalized_name", flat=True))
