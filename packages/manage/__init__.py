"""Owners' management pages: their projects, releases, settings and the project's security history."""
