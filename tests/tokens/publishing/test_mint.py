"""POST /_/oidc/mint-token and GET /_/oidc/audience: tokens verified against a real local issuer over HTTP."""

import json
import time

import pytest
from django.utils import timezone

from accounts.models import SecurityEvent
from tests.packages.factories import ProjectFactory
from tokens.models import APIToken
from tokens.publishing import keys, selectors, services
from tokens.publishing.models import PENDING_LIFETIME, TrustedPublisher, UsedJWTIdentifier
from tokens.services import token_authenticate

from .conftest import AUDIENCE, mint, refusal_codes

Kind = TrustedPublisher.Kind
GITHUB = {"repository_owner": "octo-org", "repository_name": "octo-app", "workflow": "release.yml", "environment": "pypi"}
GITLAB = {"repository_owner": "my-group", "repository_name": "my-project", "workflow": ".gitlab-ci.yml", "environment": "pypi"}


@pytest.fixture
def github_publisher(registrant):
    return services.publisher_add(user=registrant, project_name="Octo_App", kind=Kind.GITHUB, fields=GITHUB)


def test_audience_is_the_setting_or_the_site_host(client, settings):
    settings.OIDC_AUDIENCE = "pypi.example"
    assert client.get("/_/oidc/audience").json() == {"audience": "pypi.example"}
    settings.OIDC_AUDIENCE = ""
    settings.SITE_URL = "https://packages.example.org:8443"
    assert client.get("/_/oidc/audience").json() == {"audience": "packages.example.org"}


def test_github_workflow_mints_a_15_minute_token_for_its_project_only(client, oidc_issuer, github_publisher):
    claims = oidc_issuer.github_claims(audience=AUDIENCE)
    status, body = mint(client, oidc_issuer.sign(claims))

    assert status == 200, body
    assert body["success"] is True and set(body) == {"success", "token", "expires"}
    token = token_authenticate(raw=body["token"])
    assert token.owner is None and token.projects == ["octo-app"] and not token.account_wide
    assert token.scope_allows("octo-app") and not token.scope_allows("other")
    assert abs(body["expires"] - (time.time() + 15 * 60)) < 5
    assert selectors.token_publisher(token=token, project_name="octo-app") == github_publisher
    event = SecurityEvent.objects.get(tag="project:oidc:token-minted")
    assert event.project_name == "octo-app"
    assert event.details["publisher"] == "GitHub Actions: octo-org/octo-app, workflow release.yml, environment pypi"
    assert event.details["workflow_ref"] == "octo-org/octo-app/.github/workflows/release.yml@refs/tags/v1.0"
    assert event.details["sha"] == claims["sha"]
    assert event.details["token_id"] == token.identifier
    assert body["token"] not in json.dumps(event.details)
    # The owner's numeric id is learnt from the first token and required from then on.
    github_publisher.refresh_from_db()
    assert github_publisher.repository_owner_id == "5432101"


def test_es256_tokens_are_accepted(client, oidc_issuer, github_publisher):
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE), kid="ec-1"))
    assert status == 200, body


def test_a_token_a_person_created_has_no_publisher(registrant):
    from tests.tokens.factories import make_token

    token, _ = make_token(registrant, projects=["octo-app"])
    assert selectors.token_publisher(token=token, project_name="octo-app") is None


REFUSALS = {
    "wrong repository": ("invalid-publisher", lambda i: i.sign(i.github_claims(audience=AUDIENCE, repository="octo-org/other"))),
    "wrong workflow": ("invalid-publisher", lambda i: i.sign(i.github_claims(audience=AUDIENCE, workflow="ci.yml"))),
    "wrong environment": ("invalid-publisher", lambda i: i.sign(i.github_claims(audience=AUDIENCE, environment="test"))),
    "pull_request_target": (
        "invalid-publisher",
        lambda i: i.sign(i.github_claims(audience=AUDIENCE, event_name="pull_request_target")),
    ),
    "reclaimed owner": ("invalid-publisher", lambda i: i.sign(i.github_claims(audience=AUDIENCE, repository_owner_id="999"))),
    "wrong audience": ("invalid-token", lambda i: i.sign(i.github_claims(audience="pypi"))),
    "expired": ("invalid-token", lambda i: i.sign(i.github_claims(audience=AUDIENCE, exp=int(time.time()) - 31, iat=int(time.time()) - 400))),
    "not yet valid": ("invalid-token", lambda i: i.sign(i.github_claims(audience=AUDIENCE, nbf=int(time.time()) + 120))),
    "bad signature": (
        "invalid-token",
        lambda i: i.sign(i.github_claims(audience=AUDIENCE), key=i.add_key("stray", publish=False)),
    ),
    "unknown key id": ("invalid-token", lambda i: (i.add_key("unpublished", publish=False), i.sign(i.github_claims(audience=AUDIENCE), kid="unpublished"))[1]),
    "unknown issuer": ("invalid-payload", lambda i: i.sign(i.github_claims(audience=AUDIENCE, iss="https://ci.evil.example"))),
    "not a JWT": ("invalid-payload", lambda i: "not.a.jwt"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_refusals_answer_their_code_and_change_nothing(client, oidc_issuer, github_publisher, case):
    code, make = REFUSALS[case]
    # A first exchange pins the owner id (so a reclaimed owner is told apart).
    assert mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))[0] == 200
    tokens_before, used_before = APIToken.objects.count(), UsedJWTIdentifier.objects.count()
    publishers_before = list(TrustedPublisher.objects.values())

    status, body = mint(client, make(oidc_issuer))

    assert status == 422, body
    assert body["message"] == "Token request failed"
    assert refusal_codes(body) == [code] and body["errors"][0]["description"]
    assert APIToken.objects.count() == tokens_before and UsedJWTIdentifier.objects.count() == used_before
    assert list(TrustedPublisher.objects.values()) == publishers_before
    refused = SecurityEvent.objects.get(tag="project:oidc:token-refused")
    assert refused.details["error"] == code
    if code == "invalid-publisher" and case != "wrong repository":
        assert refused.project_name == "octo-app"  # the project's history shows the attempt


def test_a_jwt_is_exchanged_once(client, oidc_issuer, github_publisher):
    raw = oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE))
    assert mint(client, raw)[0] == 200
    status, body = mint(client, raw)
    assert status == 422 and refusal_codes(body) == ["invalid-reuse-token"]
    assert APIToken.objects.count() == 1
    assert SecurityEvent.objects.get(tag="project:oidc:token-refused").project_name == "octo-app"


@pytest.mark.parametrize(
    "body",
    [b"", b"{}", b"[]", b'{"token": 3}', b'{"token": ""}', b"\xff\xfe", b'{"token": "' + b"a" * 70000 + b'"}'],
)
def test_malformed_requests_are_invalid_payload(client, db, body):
    response = client.post("/_/oidc/mint-token", data=body, content_type="application/json")
    assert response.status_code == 422
    assert refusal_codes(response.json()) == ["invalid-payload"]
    assert SecurityEvent.objects.get(tag="project:oidc:token-refused").details["error"] == "invalid-payload"


def test_disabled_issuer_is_not_enabled(client, oidc_issuer, forgejo, registrant):
    services.publisher_add(
        user=registrant, project_name="tool", kind=Kind.CUSTOM, fields={"issuer": forgejo, "subject": "repo:team/tool:ref:refs/tags/v1.0"}
    )
    forgejo.enabled = False
    forgejo.save()
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.forgejo_claims(audience=AUDIENCE)))
    assert status == 422 and refusal_codes(body) == ["not-enabled"]


def test_gitlab_publisher_mints(client, oidc_issuer, registrant):
    publisher = services.publisher_add(user=registrant, project_name="my-project", kind=Kind.GITLAB, fields=GITLAB)
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.gitlab_claims(audience=AUDIENCE)))
    assert status == 200, body
    assert token_authenticate(raw=body["token"]).projects == ["my-project"]
    # The pipeline file and the environment must be the registered ones.
    for claims in (
        oidc_issuer.gitlab_claims(audience=AUDIENCE, workflow="other.yml"),
        oidc_issuer.gitlab_claims(audience=AUDIENCE, environment="staging"),
        oidc_issuer.gitlab_claims(audience=AUDIENCE, project_path="my-group/fork"),
    ):
        status, body = mint(client, oidc_issuer.sign(claims))
        assert status == 422 and refusal_codes(body) == ["invalid-publisher"], body
    assert publisher.minted_tokens.count() == 1


def test_custom_issuer_publisher_pins_sub_and_other_claims(client, oidc_issuer, forgejo, registrant):
    services.publisher_add(
        user=registrant,
        project_name="tool",
        kind=Kind.CUSTOM,
        fields={"issuer": forgejo, "subject": "repo:team/tool:ref:refs/tags/v1.0", "claims": "workflow=Release\nrepository_owner=team"},
    )
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.forgejo_claims(audience=AUDIENCE)))
    assert status == 200, body
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.forgejo_claims(audience=AUDIENCE, workflow="Nightly")))
    assert status == 422 and refusal_codes(body) == ["invalid-publisher"]
    # A GitHub-shaped token from the registered issuer is not a GitHub publisher's, and vice versa.
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE, repository="team/tool")))
    assert status == 422 and refusal_codes(body) == ["invalid-publisher"]


def test_pending_publisher_mints_for_a_free_name_only(client, oidc_issuer, registrant):
    services.pending_publisher_add(user=registrant, project_name="New.Project", kind=Kind.GITHUB, fields=GITHUB)
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))
    assert status == 200, body
    token = token_authenticate(raw=body["token"])
    assert token.projects == ["new-project"]
    assert selectors.token_publisher(token=token, project_name="new-project").pending

    # Once somebody else has the name, the pending publisher can no longer mint.
    ProjectFactory(name="new.project")
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))
    assert status == 422 and refusal_codes(body) == ["invalid-pending-publisher"]


def test_expired_pending_publisher_does_not_mint(client, oidc_issuer, registrant):
    publisher = services.pending_publisher_add(user=registrant, project_name="late", kind=Kind.GITHUB, fields=GITHUB)
    TrustedPublisher.objects.filter(pk=publisher.pk).update(created=timezone.now() - PENDING_LIFETIME)
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))
    assert status == 422 and refusal_codes(body) == ["invalid-publisher"]


def test_keys_are_cached_and_refetched_on_an_unknown_kid_at_most_once_a_minute(client, oidc_issuer, github_publisher):
    for _ in range(3):
        assert mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))[0] == 200
    assert oidc_issuer.jwks_fetches("github") == 1

    # The issuer rotates in a new key: the first token signed with it is refused only
    # if the last fetch is under a minute old; forged key ids cost one fetch a minute.
    oidc_issuer.add_key("rsa-2")
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE), kid="rsa-2"))
    assert status == 422 and refusal_codes(body) == ["invalid-token"]
    for _ in range(3):
        mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE), kid="rsa-2"))
    assert oidc_issuer.jwks_fetches("github") == 1

    from django.core.cache import cache

    cache.delete(keys._cache_key("refetch", oidc_issuer.url("github")))  # a minute later
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE), kid="rsa-2"))
    assert status == 200, body
    assert oidc_issuer.jwks_fetches("github") == 2


def test_removing_a_publisher_revokes_its_tokens(client, oidc_issuer, github_publisher, registrant):
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))
    services.publisher_remove(user=registrant, publisher=github_publisher)
    from tokens.errors import InvalidToken

    with pytest.raises(InvalidToken):
        token_authenticate(raw=body["token"])
    status, body = mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))
    assert status == 422 and refusal_codes(body) == ["invalid-publisher"]


@pytest.mark.django_db(transaction=True)
def test_the_same_jwt_sent_at_once_mints_one_token(oidc_issuer):
    import threading

    from django.db import connection

    from tests.accounts.factories import UserFactory
    from tokens.publishing.errors import MintRefused

    services.publisher_add(user=UserFactory(), project_name="octo-app", kind=Kind.GITHUB, fields=GITHUB)
    raw = oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE))
    services.oidc_token_mint(raw_jwt=oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))  # keys cached
    barrier = threading.Barrier(5)
    outcomes = []

    def exchange():
        try:
            barrier.wait(timeout=10)
            services.oidc_token_mint(raw_jwt=raw)
            outcomes.append("minted")
        except MintRefused as refusal:
            outcomes.append(refusal.code)
        except Exception as error:  # SQLite may refuse a writer while another holds the lock
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=exchange) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("minted") == 1, outcomes
    assert APIToken.objects.count() == 2
    if connection.vendor == "postgresql":
        assert sorted(outcomes) == ["invalid-reuse-token"] * 4 + ["minted"]


def test_refused_exchanges_from_one_address_are_held_back_and_recorded_once(
    client, oidc_issuer, github_publisher, settings, rate_limit_clock
):
    settings.OIDC_MINT_REFUSAL_RATE_LIMIT = 3
    wrong_audience = oidc_issuer.sign(oidc_issuer.github_claims(audience="elsewhere.example"))
    for _ in range(3):
        assert mint(client, wrong_audience)[0] == 422

    limited = client.post("/_/oidc/mint-token", json.dumps({"token": wrong_audience}), content_type="application/json")
    good_jwt = oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE))
    status, body = mint(client, good_jwt)  # a valid token from this address waits too
    mint(client, wrong_audience)

    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert refusal_codes(limited.json()) == ["rate-limited"]
    assert limited.json()["errors"][0]["description"].startswith("Too many attempts")
    assert status == 429 and refusal_codes(body) == ["rate-limited"]
    assert SecurityEvent.objects.filter(tag="project:oidc:token-refused").count() == 3
    assert SecurityEvent.objects.filter(tag="account:rate_limited").count() == 1
    assert APIToken.objects.count() == 0


def test_successful_exchanges_do_not_use_up_the_allowance(client, oidc_issuer, github_publisher, settings, rate_limit_clock):
    settings.OIDC_MINT_REFUSAL_RATE_LIMIT = 2

    statuses = [mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience=AUDIENCE)))[0] for _ in range(5)]

    assert statuses == [200] * 5
    assert mint(client, oidc_issuer.sign(oidc_issuer.github_claims(audience="elsewhere.example")))[0] == 422


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_refused_exchanges_sent_at_once_pass_the_limit_exactly(oidc_issuer, settings, rate_limit_clock):
    from django.test import Client

    from tests.concurrency import at_once

    settings.OIDC_MINT_REFUSAL_RATE_LIMIT = 5
    wrong_audience = oidc_issuer.sign(oidc_issuer.github_claims(audience="elsewhere.example"))

    results = at_once(lambda: mint(Client(), wrong_audience)[0], times=12)

    assert sorted(results) == [422] * 5 + [429] * 7, results
    assert SecurityEvent.objects.filter(tag="project:oidc:token-refused").count() == 5
