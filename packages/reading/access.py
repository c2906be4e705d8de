"""The access generation: one number that moves whenever what anyone may read can have changed.

A token's reader (its readable private projects, its scope, its expiry) is
kept per process under the access generation it was resolved at
(`readers`), and the fast path replays a principal's responses only under
its current reader. Every write that can change a reader moves the number,
inside the write's transaction and again after it commits (the same order as
project generations, `index.fastpath.generations`): a reader resolved from data older
than a commit is only ever kept under a generation that commit has left
behind, so losing access takes effect on the next request.

The writes are seen through model signals, so every path that changes them
(services, the admin, a cascade) moves it without knowing of it. Queryset
`.update()` sends no signal: none is used on these models for what decides
reading (a test walks each change through the fast path).
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from ..index.fastpath import generations

# A generation name no project can have (project names are letters, digits and -_.).
ACCESS = "@access"


def generation():
    return generations.generation(ACCESS)


def access_changed():
    """Make every resolved reader out of date, now and once the current transaction commits."""
    generations.bump([ACCESS])
    transaction.on_commit(lambda: generations.bump([ACCESS]))


def _changed(sender, instance, **kwargs):
    access_changed()


def _user_changed(sender, instance, update_fields=None, **kwargs):
    # A sign-in saves only last_login: that changes nobody's reading.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    access_changed()


def connect():
    """Called once from packages' AppConfig.ready()."""
    from organizations.models import Organization, OrganizationRole, Team, TeamMember
    from tokens.models import APIToken

    from ..models import Project, ProjectRole, TeamProjectRole

    for model in (Project, ProjectRole, TeamProjectRole, Organization, OrganizationRole, Team, TeamMember, APIToken):
        post_save.connect(_changed, sender=model, dispatch_uid=f"reading-access-save-{model._meta.label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"reading-access-delete-{model._meta.label}")
    user = get_user_model()
    post_save.connect(_user_changed, sender=user, dispatch_uid="reading-access-save-user")
    post_delete.connect(_changed, sender=user, dispatch_uid="reading-access-delete-user")
