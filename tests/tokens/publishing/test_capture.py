"""Trusted publishing cannot be used to capture a project: pending publishers hold one name and one workflow,
the most specific publisher wins a token, and a GitHub owner's numeric id is pinned from the first token."""

import pytest
from django.utils import timezone

from accounts.models import SecurityEvent
from tests.accounts.factories import UserFactory
from tests.concurrency import at_once
from tokens.publishing import services
from tokens.publishing.errors import PublisherError
from tokens.publishing.models import PENDING_LIFETIME, TrustedPublisher
from tokens.services import token_authenticate

from .conftest import AUDIENCE, mint, refusal_codes

Kind = TrustedPublisher.Kind
URL = "/manage/account/publishing/"


def github(repository="octo-app", environment=""):
    return {"repository_owner": "octo-org", "repository_name": repository, "workflow": "release.yml", "environment": environment}


def add_pending(user, name, **fields):
    return services.pending_publisher_add(user=user, project_name=name, kind=Kind.GITHUB, fields=github(**fields))


@pytest.fixture
def victim(db):
    return UserFactory()


@pytest.fixture
def attacker(db):
    return UserFactory()


def test_a_name_another_account_set_up_cannot_be_taken(victim, attacker):
    add_pending(victim, "new-tool", repository="victim-repo")

    with pytest.raises(PublisherError, match="Another account has already registered a pending publisher for 'new-tool'"):
        add_pending(attacker, "New_Tool", repository="attacker-repo")

    assert list(TrustedPublisher.objects.values_list("registrant", flat=True)) == [victim.pk]


def test_a_workflow_another_pending_publisher_holds_is_refused_for_any_name(victim, attacker):
    add_pending(victim, "new-tool", environment="pypi")

    # Without an environment it would match every token of that workflow, the victim's too.
    with pytest.raises(PublisherError, match="already registered as a pending publisher by another account"):
        add_pending(attacker, "other-name")
    with pytest.raises(PublisherError, match="already registered as a pending publisher by another account"):
        add_pending(attacker, "other-name", environment="PyPI")
    assert TrustedPublisher.objects.count() == 1


def test_ones_own_workflow_creates_one_project_at_a_time(victim):
    add_pending(victim, "first")
    with pytest.raises(PublisherError, match="already your pending publisher for 'first'"):
        add_pending(victim, "second", environment="pypi")
    with pytest.raises(PublisherError, match="You already have a pending publisher for 'first'"):
        add_pending(victim, "first", repository="elsewhere")


def test_expired_pending_publishers_hold_nothing(victim, attacker):
    publisher = add_pending(victim, "new-tool")
    TrustedPublisher.objects.filter(pk=publisher.pk).update(created=timezone.now() - PENDING_LIFETIME)

    add_pending(attacker, "new-tool")

    assert list(TrustedPublisher.objects.values_list("registrant", flat=True)) == [attacker.pk]


def test_the_page_says_why(two_factor_client, attacker):
    add_pending(attacker, "wanted", repository="attacker-repo")
    data = {"kind": "github", "github-project_name": "wanted", **{f"github-{k}": v for k, v in github().items()}}

    response = two_factor_client.post(URL, data)

    assert response.status_code == 400
    assert "Another account has already registered a pending publisher for" in response.content.decode()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_of_one_workflow_leave_one():
    users = [UserFactory() for _ in range(4)]
    calls = [lambda user=user, n=n: add_pending(user, f"name{n}") for n, user in enumerate(users)]

    outcomes = at_once(*calls)

    assert sum(isinstance(o, TrustedPublisher) for o in outcomes) == 1
    assert sum(isinstance(o, PublisherError) for o in outcomes) == 3
    assert TrustedPublisher.objects.count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_of_one_name_leave_one():
    users = [UserFactory() for _ in range(4)]
    calls = [lambda user=user, n=n: add_pending(user, "contested", repository=f"repo{n}") for n, user in enumerate(users)]

    outcomes = at_once(*calls)

    assert sum(isinstance(o, TrustedPublisher) for o in outcomes) == 1
    assert all("Another account" in str(o) for o in outcomes if isinstance(o, PublisherError))
    assert TrustedPublisher.objects.count() == 1


# --- matching ---


def test_a_publisher_without_environment_never_outranks_one_with_it(client, oidc_issuer, victim):
    services.publisher_add(user=victim, project_name="anything", kind=Kind.GITHUB, fields=github())
    services.publisher_add(user=victim, project_name="octo-app", kind=Kind.GITHUB, fields=github(environment="pypi"))

    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE, environment="pypi")))

    assert status == 200, body
    assert token_authenticate(raw=body["token"]).projects == ["octo-app"]
    # From another environment only the environment-less publisher matches.
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE, environment="test")))
    assert status == 200, body
    assert token_authenticate(raw=body["token"]).projects == ["anything"]


# --- the GitHub owner's numeric id ---


def test_owner_id_is_pinned_from_the_first_token_and_a_reclaimed_owner_is_refused(client, oidc_issuer, victim):
    publisher = services.publisher_add(user=victim, project_name="octo-app", kind=Kind.GITHUB, fields=github(environment="pypi"))

    assert mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))[0] == 200
    assert mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))[0] == 200

    publisher.refresh_from_db()
    assert publisher.repository_owner_id == "5432101"
    pinned = SecurityEvent.objects.get(tag="project:oidc:publisher-owner-pinned")  # once, not per token
    assert pinned.project_name == "octo-app" and pinned.user == victim
    assert pinned.details["repository_owner"] == "octo-org" and pinned.details["repository_owner_id"] == "5432101"

    # The owner account was renamed, and someone else registered "octo-org": another numeric id.
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE, repository_owner_id="777")))

    assert status == 422 and refusal_codes(body) == ["invalid-publisher"]
    assert "owner's ID differs from the one registered" in body["errors"][0]["description"]


def test_a_pending_publishers_owner_id_is_pinned_in_its_registrants_history(client, oidc_issuer, victim):
    add_pending(victim, "new-tool", repository="octo-app")

    assert mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))[0] == 200

    pinned = SecurityEvent.objects.get(tag="project:oidc:publisher-owner-pinned")
    assert pinned.user == victim and pinned.project_name == "" and pinned.details["project"] == "new-tool"


def test_adding_a_github_publisher_without_the_owner_id_warns_that_the_first_token_pins_it(two_factor_client):
    data = {"kind": "github", "github-project_name": "fresh", **{f"github-{k}": v for k, v in github().items()}}

    page = two_factor_client.post(URL, data, follow=True).content.decode()

    assert "numeric ID of &#x27;octo-org&#x27; was not given, so the first token this publisher accepts will pin it" in page

    data = {**data, "github-project_name": "fresh-two", "github-repository_name": "other", "github-repository_owner_id": "42"}
    page = two_factor_client.post(URL, data, follow=True).content.decode()
    assert "Pending publisher added" in page and "was not given" not in page
