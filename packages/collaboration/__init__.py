"""Who works on a project: roles (Owner, Maintainer), invitations, and who may open which management page (access)."""
