"""/_metrics: off by default, guarded, and its counters move with what the site does, summed over processes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.site.wsgi import multipart, wsgi_request
from tests.packages.distributions import make_wheel, upload_form
from tests.packages.factories import FileFactory
from tests.tokens.factories import basic_auth_header, make_token

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scraper-token-0123456789"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    settings.PROMETHEUS_MULTIPROC_DIR = ""
    return settings


def scrape(**headers):
    answer = wsgi_request("/_metrics", headers={"Authorization": f"Bearer {TOKEN}", **headers})
    assert answer.status == 200, answer.body
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(answer.body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


def test_metrics_are_off_unless_enabled(settings):
    settings.METRICS_ENABLED = False
    assert wsgi_request("/_metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status == 404


def test_a_scraper_needs_the_token_or_an_allowed_address(metrics_on):
    assert wsgi_request("/_metrics").status == 403
    assert wsgi_request("/_metrics", headers={"Authorization": "Bearer scraper-token-012345678"}).status == 403
    assert wsgi_request("/_metrics", headers={"Authorization": f"Basic {TOKEN}"}).status == 403
    assert wsgi_request("/_metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status == 200
    metrics_on.METRICS_TOKEN = ""
    metrics_on.METRICS_ALLOWED_IPS = ["10.1.0.0/16", "192.0.2.7"]
    assert wsgi_request("/_metrics", remote_addr="10.1.4.2").status == 200
    assert wsgi_request("/_metrics", remote_addr="192.0.2.7").status == 200
    assert wsgi_request("/_metrics", remote_addr="192.0.2.8").status == 403
    # Without a trusted proxy a forwarded address is the client's word; behind one, the proxy's.
    forwarded = {"remote_addr": "127.0.0.1", "headers": {"X-Forwarded-For": "10.1.4.2"}}
    assert wsgi_request("/_metrics", **forwarded).status == 403
    metrics_on.NUM_PROXIES = 1
    assert wsgi_request("/_metrics", **forwarded).status == 200
    spoofed = {"remote_addr": "127.0.0.1", "headers": {"X-Forwarded-For": "10.1.4.2, 203.0.113.1"}}
    assert wsgi_request("/_metrics", **spoofed).status == 403


def test_counters_move_for_each_route_group_and_each_hook(metrics_on, media_root, uploader, client):
    from django.core.cache import cache

    cache.clear()
    before = scrape()
    stored = FileFactory(release__project__name="metered", release__version="1.0", stored=True)
    from indexsite.wsgi import fastpath

    fastpath.entries.entries.clear()
    assert wsgi_request("/simple/metered/").status == 200
    assert wsgi_request("/simple/metered/").status == 200  # replayed by the fast path
    assert wsgi_request(f"/files/{stored.path}").status == 200
    assert wsgi_request("/pypi/metered/json").status == 200
    assert wsgi_request("/pypi/no-such-project/json").status == 404
    assert wsgi_request("/").status == 200
    assert wsgi_request("/admin/login/").status in (200, 302)

    token, raw = make_token(uploader)
    wheel = make_wheel("metered-upload", "1.0")
    body, content_type = multipart({**upload_form(wheel), "content": wheel.upload()})
    post = dict(method="POST", data=body, content_type=content_type)
    assert wsgi_request("/legacy/", **post, headers={"Authorization": basic_auth_header(raw)}).status == 200
    bad = make_wheel("metered-upload", "1.1")
    bad_body, _ = multipart({**upload_form(bad, sha256_digest="0" * 64), "content": bad.upload()})
    assert wsgi_request("/legacy/", method="POST", data=bad_body, content_type=content_type,
                        headers={"Authorization": basic_auth_header(raw)}).status == 400
    assert wsgi_request("/legacy/", **post, headers={"Authorization": basic_auth_header(raw[:-4] + "abcd")}).status == 403

    # Failed logins, until the limit refuses.
    for _ in range(11):
        client.post("/account/login/", {"username": uploader.username, "password": "wrong password"})

    after = scrape()

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("indexsite_http_requests_total", group="simple", status="200") == 2
    assert moved("indexsite_http_requests_total", group="files", status="200") == 1
    assert moved("indexsite_http_requests_total", group="json", status="200") == 1
    assert moved("indexsite_http_requests_total", group="json", status="404") == 1
    assert moved("indexsite_http_requests_total", group="pages", status="200") == 1
    assert moved("indexsite_http_requests_total", group="upload", status="200") == 1
    assert moved("indexsite_http_requests_total", group="upload", status="400") == 1
    assert sum(moved("indexsite_http_requests_total", group="admin", status=s) for s in ("200", "302")) == 1
    assert moved("indexsite_http_request_duration_seconds_count", group="simple") == 2
    assert moved("indexsite_http_request_duration_seconds_sum", group="upload") > 0
    assert moved("indexsite_fastpath_lookups_total", outcome="hit") == 1
    assert moved("indexsite_fastpath_lookups_total", outcome="miss") >= 2
    assert moved("indexsite_upload_refusals_total", status="400", kind="InvalidUpload") == 1
    assert moved("indexsite_upload_refusals_total", status="403", kind="TokenAuthenticationFailed") == 1
    assert moved("indexsite_api_token_uses_total", outcome="accepted") == 2
    assert moved("indexsite_api_token_uses_total", outcome="InvalidToken") == 1
    assert moved("indexsite_security_events_total", tag="account:login:failure") == 10
    assert moved("indexsite_rate_limit_refusals_total", limit="login") == 1


def test_nothing_is_counted_while_metrics_are_off(settings, media_root):
    settings.METRICS_ENABLED = True
    settings.METRICS_TOKEN = TOKEN
    before = scrape()
    settings.METRICS_ENABLED = False
    wsgi_request("/_health/live")
    settings.METRICS_ENABLED = True
    after = scrape()
    live = ("indexsite_http_requests_total", (("group", "operations"), ("status", "200")))
    # Only the first scrape itself was counted.
    assert after.get(live, 0) - before.get(live, 0) == 1


def test_several_worker_processes_are_summed_by_the_scrape(metrics_on, tmp_path):
    """gunicorn's workers each write their counts under PROMETHEUS_MULTIPROC_DIR; one scrape adds them up."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "DEBUG": "1", "METRICS_ENABLED": "1", "PROMETHEUS_MULTIPROC_DIR": str(shared),
           "DJANGO_SETTINGS_MODULE": "indexsite.settings"}
    code = (
        "import django, sys; django.setup(); from indexsite import metrics\n"
        "for _ in range(int(sys.argv[1])): metrics.request_observed('/simple/demo/', 200, 0.002)\n"
        "metrics.rate_limit_refused('upload')\n"
    )
    workers = [subprocess.Popen([sys.executable, "-c", code, str(n)], cwd=ROOT, env=env) for n in (3, 4)]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    assert len(list(shared.glob("*.db"))) >= 2  # one file per process

    metrics_on.PROMETHEUS_MULTIPROC_DIR = str(shared)
    samples = scrape()
    assert value(samples, "indexsite_http_requests_total", group="simple", status="200") == 7
    assert value(samples, "indexsite_http_request_duration_seconds_count", group="simple") == 7
    assert value(samples, "indexsite_rate_limit_refusals_total", limit="upload") == 2


def test_security_events_recorded_in_one_insert_are_each_counted(metrics_on):
    """record_events saves with bulk_create, which sends no post_save: the count must not depend on it."""
    from accounts.events import EventTag, record_events
    from tests.accounts.factories import UserFactory

    person = UserFactory()
    before = scrape()
    record_events([{"tag": EventTag.ACCOUNT_LOGIN_FAILURE, "user": person, "details": {"reason": "password"}}] * 3)
    after = scrape()
    name = "indexsite_security_events_total"
    assert value(after, name, tag="account:login:failure") - value(before, name, tag="account:login:failure") == 3


def test_each_request_to_the_upstream_is_counted_by_kind_and_outcome(metrics_on, media_root):
    """An operator sees how often the upstream is asked, how it answers and how much it sends."""
    from django.core.cache import cache
    from django.test import Client

    from tests.packages.upstream_server import JSON, Route, UpstreamServer

    wheel = b"PK upstream wheel bytes " * 100
    server = UpstreamServer().start()
    metrics_on.UPSTREAM_INDEX_URL = f"{server.base}/simple/"
    metrics_on.UPSTREAM_FILE_HOSTS = [f"127.0.0.1:{server.port}"]
    cache.clear()
    try:
        server.publish("requests", {"requests-2.0-py3-none-any.whl": wheel})
        server.publish("broken", {"broken-1.0-py3-none-any.whl": wheel + b"!"})
        broken_file = next(p for p in server.routes if p.endswith("/broken-1.0-py3-none-any.whl"))
        server.routes[broken_file] = Route(200, {}, wheel + b"?")  # not the bytes its page's sha256 names
        server.routes["/simple/down/"] = Route(500, {}, b"boom")
        before = scrape()
        client = Client()
        for name in ("requests", "broken"):
            url = client.get(f"/simple/{name}/", HTTP_ACCEPT=JSON).json()["files"][0]["url"]
            client.get(url.removeprefix("http://testserver"))
        assert client.get("/simple/nothing-there/").status_code == 404
        assert client.get("/simple/down/").status_code == 502
        after = scrape()
    finally:
        server.stop()
        cache.clear()

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    fetches = "indexsite_upstream_fetches_total"
    assert moved(fetches, kind="page", outcome="fetched") == 2
    assert moved(fetches, kind="page", outcome="missing") == 1
    assert moved(fetches, kind="page", outcome="failed") == 1
    assert moved(fetches, kind="file", outcome="fetched") == 1
    assert moved(fetches, kind="file", outcome="hash_mismatch") == 1
    assert moved("indexsite_upstream_received_bytes_total", kind="file") == len(wheel)
    assert moved("indexsite_upstream_fetch_duration_seconds_count", kind="file") == 2
