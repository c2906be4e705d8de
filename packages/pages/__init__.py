"""The public pages: a project and its releases, a user's projects, search."""
