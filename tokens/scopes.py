"""Which projects a token's scope may name.

tokens knows nothing of projects: the app that keeps them registers a
directory here when it starts (packages does, in its AppConfig.ready), and
the token pages ask it. Without one, a user has no projects to choose and
every name counts as free.
"""

from typing import Iterable, Protocol


class ProjectDirectory(Protocol):
    def user_project_names(self, user) -> list[str]:
        """Normalized names of the projects `user` may upload to, sorted."""

    def existing_project_names(self, normalized_names: Iterable[str]) -> set[str]:
        """Those of `normalized_names` that are existing projects."""

    def organization_project_names(self, organization) -> list[str]:
        """Normalized names of the projects `organization` owns, sorted."""


_directory = None


def register_project_directory(directory: ProjectDirectory):
    global _directory
    _directory = directory


def user_project_names(user):
    if _directory is None or user is None or not user.is_authenticated:
        return []
    return _directory.user_project_names(user)


def existing_project_names(normalized_names):
    names = list(normalized_names)
    return _directory.existing_project_names(names) if _directory is not None and names else set()


def organization_project_names(organization):
    return _directory.organization_project_names(organization) if _directory is not None else []
