"""Prometheus metrics: what the site counts, and the `/_metrics` page a scraper reads.

Every process counts in its own memory; under gunicorn's several workers,
PROMETHEUS_MULTIPROC_DIR names a directory where prometheus_client keeps each
worker's counts in a file, and a scrape adds them up (its multiprocess mode).
The directory must be emptied before the server starts (deploy/gunicorn.conf.py).

Counting is skipped unless METRICS_ENABLED, so a site without a scraper pays nothing.

The apps never import this module: imports point from the site to the apps,
never back. Each app announces what it does through a Django signal of its
own, sent where the thing happens, and `connect()` attaches the counters to
them; indexsite/apps.py runs it once in every process (server workers,
management commands, tests), since the site's AppConfig is installed:

- `accounts.events.event_recorded`, for each security event saved, by
  record_event and record_events alike (a `post_save` receiver would miss the
  latter: bulk_create sends no signal);
- `accounts.ratelimit.refused`, for each refusal of any rate limit, by its name;
- `tokens.authentication.token_presented`, for each API token presented;
- `packages.upload.api.upload_refused`, for each upload refused;
- `packages.upstream.signals.fetched`, for each request made to the upstream index (a page or a file).

The fast path counts on every machine GET, where a signal's dispatch would cost
more than the count: it takes a plain callable instead (`fastpath_lookup`,
given by indexsite/wsgi.py when it builds the stack). The outermost WSGI layer
(indexsite/observe.py) calls `request_observed` itself.
"""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

CLIENT_IP = "indexsite.client_ip"

# Where a request belongs, by path prefix; anything else is a page people read.
ROUTE_GROUPS = (
    ("/simple/", "simple"),
    ("/files/", "files"),
    ("/pypi/", "json"),
    ("/legacy/", "upload"),
    ("/admin/", "admin"),
    ("/static/", "static"),
    ("/_health/", "operations"),
    ("/_metrics", "operations"),
)
# Seconds: fast-path replays take well under a millisecond, a 100 MB upload may take a minute.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

registry = CollectorRegistry(auto_describe=True)
requests = Counter(
    "indexsite_http_requests", "Requests answered, by route group and status code.", ["group", "status"], registry=registry
)
latency = Histogram(
    "indexsite_http_request_duration_seconds",
    "Time from a request's arrival until its response starts, by route group.",
    ["group"],
    buckets=LATENCY_BUCKETS,
    registry=registry,
)
fastpath_lookups = Counter(
    "indexsite_fastpath_lookups", "Machine GETs the index's fast path answered itself (hit) or passed to Django (miss).",
    ["outcome"], registry=registry,
)
upload_refusals = Counter(
    "indexsite_upload_refusals", "Uploads refused, by status code and kind of refusal.", ["status", "kind"], registry=registry
)
rate_limit_refusals = Counter(
    "indexsite_rate_limit_refusals", "Attempts refused by a rate limit, by the limit's name.", ["limit"], registry=registry
)
security_events = Counter(
    "indexsite_security_events",
    "Security events recorded, by tag (account:login:failure, account:two_factor:failure, ...).",
    ["tag"], registry=registry,
)
token_uses = Counter(
    "indexsite_api_token_uses", "API tokens presented, by outcome (accepted or the kind of refusal).", ["outcome"],
    registry=registry,
)

upstream_fetches = Counter(
    "indexsite_upstream_fetches",
    "Requests made to the upstream index, by kind (page, file) and outcome (fetched, not_modified, missing, timeout, "
    "failed, hash_mismatch).",
    ["kind", "outcome"], registry=registry,
)
upstream_fetch_duration = Histogram(
    "indexsite_upstream_fetch_duration_seconds", "Time the requests to the upstream index took, by kind.", ["kind"],
    buckets=LATENCY_BUCKETS, registry=registry,
)
upstream_bytes = Counter(
    "indexsite_upstream_received_bytes", "Bytes received from the upstream index and kept, by kind.", ["kind"],
    registry=registry,
)


def route_group(path):
    for prefix, group in ROUTE_GROUPS:
        if path.startswith(prefix):
            return group
    return "pages"


# Each request's own series, looked up once: `labels()` costs as much as the increment.
_request_series = {}
_fastpath_series = {}


def request_observed(path, status, seconds):
    if settings.METRICS_ENABLED:
        group = route_group(path)
        series = _request_series.get((group, status))
        if series is None:
            series = _request_series[group, status] = (requests.labels(group, str(status)), latency.labels(group))
        series[0].inc()
        series[1].observe(seconds)


def fastpath_lookup(hit):
    if settings.METRICS_ENABLED:
        series = _fastpath_series.get(hit)
        if series is None:
            series = _fastpath_series[hit] = fastpath_lookups.labels("hit" if hit else "miss")
        series.inc()


def upload_refused(*, status, kind):
    if settings.METRICS_ENABLED:
        upload_refusals.labels(str(status), kind).inc()


def rate_limit_refused(limit):
    if settings.METRICS_ENABLED:
        rate_limit_refusals.labels(limit).inc()


def security_event_recorded(tag):
    if settings.METRICS_ENABLED:
        security_events.labels(str(tag)).inc()


def token_used(outcome):
    if settings.METRICS_ENABLED:
        token_uses.labels(outcome).inc()


def upstream_fetched(*, kind, outcome, seconds, size):
    if settings.METRICS_ENABLED:
        upstream_fetches.labels(kind, outcome).inc()
        upstream_fetch_duration.labels(kind).observe(seconds)
        if size:
            upstream_bytes.labels(kind).inc(size)


def connect():
    """Attach the counters to the signals named in this module's docstring; run once per process (indexsite/apps.py)."""
    from accounts import events, ratelimit
    from packages.upload import api as upload_api
    from packages.upstream import signals as upstream_signals
    from tokens import authentication

    def on_event(sender, event, **kwargs):
        security_event_recorded(event.tag)

    def on_refusal(sender, limit, **kwargs):
        rate_limit_refused(limit)

    def on_token(sender, outcome, **kwargs):
        token_used(outcome)

    def on_upload_refusal(sender, status, kind, **kwargs):
        upload_refused(status=status, kind=kind)

    def on_upstream_fetch(sender, kind, outcome, seconds, size, **kwargs):
        upstream_fetched(kind=kind, outcome=outcome, seconds=seconds, size=size)

    # Strong references (the receivers are local) and one connection each, however often this runs.
    for signal, counter in (
        (events.event_recorded, on_event),
        (ratelimit.refused, on_refusal),
        (authentication.token_presented, on_token),
        (upload_api.upload_refused, on_upload_refusal),
        (upstream_signals.fetched, on_upstream_fetch),
    ):
        signal.connect(counter, weak=False, dispatch_uid=f"indexsite.metrics.{counter.__name__}")


def _allowed(request):
    """A scraper shows METRICS_TOKEN as a Bearer token (compared in constant time) or comes from METRICS_ALLOWED_IPS."""
    token = settings.METRICS_TOKEN
    if token:
        scheme, _, presented = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode()):
            return True
    if settings.METRICS_ALLOWED_IPS:
        # The client's address as the trusted proxies (NUM_PROXIES) report it, which the
        # outermost layer (indexsite/observe.py) puts in the environ; else the direct peer.
        try:
            address = ipaddress.ip_address(request.META.get(CLIENT_IP) or request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(allowed, strict=False) for allowed in settings.METRICS_ALLOWED_IPS)
    return False


def scrape(request):
    """`/_metrics`: 404 unless METRICS_ENABLED, 403 to anyone not allowed, else Prometheus' text format."""
    if not settings.METRICS_ENABLED:
        return HttpResponseNotFound("Not Found\n", content_type="text/plain; charset=utf-8")
    if not _allowed(request):
        response = HttpResponseForbidden("Forbidden\n", content_type="text/plain; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response
    if settings.PROMETHEUS_MULTIPROC_DIR:
        collected = CollectorRegistry()
        MultiProcessCollector(collected, path=settings.PROMETHEUS_MULTIPROC_DIR)
    else:
        collected = registry
    response = HttpResponse(generate_latest(collected), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
