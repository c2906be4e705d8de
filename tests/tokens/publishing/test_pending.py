"""Pending publishers: the account page, the limit of 3 (also under parallel requests), expiry."""

import threading

import pytest
from django.db import close_old_connections, connection
from django.utils import timezone

from accounts.models import SecurityEvent
from tests.accounts.factories import UserFactory
from tests.packages.factories import ProjectFactory
from tokens.publishing import services
from tokens.publishing.errors import PublisherError
from tokens.publishing.models import PENDING_LIFETIME, TrustedPublisher

Kind = TrustedPublisher.Kind
URL = "/manage/account/publishing/"


def github(n=0):
    return {"repository_owner": "octo-org", "repository_name": f"repo{n}", "workflow": "release.yml", "environment": ""}


def form(project, n=0):
    return {"kind": "github", "github-project_name": project, **{f"github-{k}": v for k, v in github(n).items()}}


def test_account_page_adds_lists_and_removes_pending_publishers(two_factor_client, two_factor_user):
    page = two_factor_client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'for="id_github-project_name">Project name' in html and 'for="id_gitlab-workflow">Top-level pipeline file path' in html
    assert "Another OIDC issuer" not in html  # none registered

    response = two_factor_client.post(URL, form("Brand_New"))
    assert response.status_code == 302
    publisher = TrustedPublisher.objects.get()
    assert publisher.pending and publisher.project_name == "brand-new" and publisher.registrant == two_factor_user
    html = two_factor_client.get(URL).content.decode()
    assert "brand-new" in html and "uv publish --trusted-publishing always" in html
    event = SecurityEvent.objects.get(tag="account:oidc:pending-publisher-added")
    assert event.user == two_factor_user and event.details["project"] == "brand-new"

    response = two_factor_client.post(f"{URL}{publisher.pk}/remove/")
    assert response.status_code == 302 and not TrustedPublisher.objects.exists()
    assert SecurityEvent.objects.filter(tag="account:oidc:pending-publisher-removed", user=two_factor_user).exists()


def test_someone_elses_pending_publisher_cannot_be_removed(two_factor_client):
    theirs = services.pending_publisher_add(user=UserFactory(), project_name="theirs", kind=Kind.GITHUB, fields=github())
    assert two_factor_client.post(f"{URL}{theirs.pk}/remove/").status_code == 404
    assert TrustedPublisher.objects.filter(pk=theirs.pk).exists()


def test_existing_project_and_bad_input_are_refused_with_a_message(two_factor_client):
    ProjectFactory(name="exists")
    response = two_factor_client.post(URL, form("Exists"))
    assert response.status_code == 400 and "already exists" in response.content.decode()
    response = two_factor_client.post(URL, form("not a name!"))
    assert response.status_code == 400 and "is not a valid project name" in response.content.decode()
    assert not TrustedPublisher.objects.exists()


def test_at_most_three_and_expired_ones_do_not_count(user):
    for n in range(3):
        services.pending_publisher_add(user=user, project_name=f"p{n}", kind=Kind.GITHUB, fields=github(n))
    with pytest.raises(PublisherError, match="already have 3 pending publishers"):
        services.pending_publisher_add(user=user, project_name="p3", kind=Kind.GITHUB, fields=github(3))
    TrustedPublisher.objects.filter(project_name="p0").update(created=timezone.now() - PENDING_LIFETIME)
    services.pending_publisher_add(user=user, project_name="p3", kind=Kind.GITHUB, fields=github(3))
    assert sorted(TrustedPublisher.objects.values_list("project_name", flat=True)) == ["p1", "p2", "p3"]


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_cannot_exceed_three():
    user = UserFactory()
    barrier = threading.Barrier(6)
    outcomes = []

    def add(n):
        try:
            barrier.wait(timeout=10)
            services.pending_publisher_add(user=user, project_name=f"par{n}", kind=Kind.GITHUB, fields=github(n))
            outcomes.append("added")
        except PublisherError:
            outcomes.append("refused")
        except Exception as error:  # SQLite may refuse a writer while another holds the lock
            outcomes.append(type(error).__name__)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=add, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert TrustedPublisher.objects.filter(registrant=user, pending=True).count() <= 3
    assert outcomes.count("added") == TrustedPublisher.objects.count()
    if connection.vendor == "postgresql":
        assert sorted(outcomes) == ["added"] * 3 + ["refused"] * 3
