"""The last-Owner rule and single-use invitations hold when requests arrive at the same moment.

Run on PostgreSQL, where rows are really locked (SQLite serialises whole
transactions and has no SELECT ... FOR UPDATE, so it cannot show the race).
"""

import threading

import pytest
from django.conf import settings
from django.db import close_old_connections, connection

from packages.collaboration import services
from packages.errors import PackagesError
from packages.models import ProjectRole
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="row locks need PostgreSQL; CI runs this file on its PostgreSQL pass",
    ),
]


def at_once(*calls):
    """Run each call in its own thread (own database connection), released together; return results/errors."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome under test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    close_old_connections()
    return results


def test_two_owners_removing_each_other_at_once_leave_one_owner():
    for _ in range(5):
        project = ProjectFactory()
        a, b = UserFactory(), UserFactory()
        ProjectRole.objects.create(project=project, user=a, role="Owner")
        ProjectRole.objects.create(project=project, user=b, role="Owner")
        results = at_once(
            lambda: services.role_remove(actor=a, project=project, user=b),
            lambda: services.role_remove(actor=b, project=project, user=a),
        )
        assert ProjectRole.objects.filter(project=project, role="Owner").count() == 1
        assert sum(isinstance(r, PackagesError) for r in results) == 1, results


def test_two_owners_leaving_at_once_leave_one_owner():
    project = ProjectFactory()
    a, b = UserFactory(), UserFactory()
    ProjectRole.objects.create(project=project, user=a, role="Owner")
    ProjectRole.objects.create(project=project, user=b, role="Owner")
    at_once(
        lambda: services.role_remove(actor=a, project=project, user=a),
        lambda: services.role_remove(actor=b, project=project, user=b),
    )
    assert ProjectRole.objects.filter(project=project, role="Owner").count() == 1


def test_one_invitation_accepted_twice_at_once_gives_one_role():
    project = ProjectFactory()
    owner, invitee = UserFactory(), UserFactory()
    ProjectRole.objects.create(project=project, user=owner, role="Owner")
    invitation = services.invitation_create(actor=owner, project=project, invitee=invitee, role="Maintainer")
    results = at_once(*[lambda: services.invitation_accept(user=invitee, invitation=invitation)] * 4)
    assert ProjectRole.objects.filter(project=project, user=invitee).count() == 1
    assert sum(not isinstance(r, Exception) for r in results) == 1, results


def test_two_invitations_of_one_person_at_once_leave_one_pending():
    project = ProjectFactory()
    owner, invitee = UserFactory(), UserFactory()
    ProjectRole.objects.create(project=project, user=owner, role="Owner")
    results = at_once(
        *[lambda: services.invitation_create(actor=owner, project=project, invitee=invitee, role="Owner")] * 4
    )
    assert project.invitations.filter(status="pending").count() == 1
    assert sum(isinstance(r, PackagesError) for r in results) == 3, results
