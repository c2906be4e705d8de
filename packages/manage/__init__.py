"""Owners' management pages: their projects, releases and the project's security history."""
