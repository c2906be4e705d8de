"""Who works on a project: roles (Owner, Maintainer) and invitations."""
