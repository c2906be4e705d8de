"""`make bench`, second part: what health probes, metrics and JSON access lines cost the site.

Starts the same site three times on one database and Redis (gunicorn sync x2,
DEBUG off, as benchmarks/bench.py does): plain; with METRICS_ENABLED (prometheus_client's
multiprocess mode, as deploy/ runs it); and with metrics plus LOG_FORMAT=json access
lines written to a file. Runs interleaved rounds of wrk on `/simple/<project>/` (the
fast path) at c=1 and c=16 against each, times `/_health/ready` one request after
another, sends requests to every route group, then scrapes `/_metrics` and prints
each group's counters and the table of figures.

    .venv/bin/python benchmarks/observability.py [--projects 20] [--rounds 3] [--seconds 5]
"""

import argparse
import shutil
import statistics
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import (  # noqa: E402
    VAR, corpus, first_link, free_port, gunicorn, log, setup_ours, site_env, stop_all, twine_upload, wait_http, wrk,
)

METRICS_TOKEN = "bench-metrics-token"
VARIANTS = ("plain", "metrics", "metrics+json")


def variant_env(port, variant):
    env = site_env(port)
    if variant != "plain":
        directory = VAR / f"metrics-{variant}"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        env.update(METRICS_ENABLED="1", METRICS_TOKEN=METRICS_TOKEN, PROMETHEUS_MULTIPROC_DIR=str(directory))
    if variant == "metrics+json":
        env.update(LOG_FORMAT="json", LOG_LEVEL="INFO")
    return env


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def ready_latency(url, count=200):
    times = []
    for _ in range(count):
        started = time.perf_counter()
        status, _ = get(url + "/_health/ready")
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--only", help="bench.py's: a run of one figure measures nothing here")
    args, _ = parser.parse_known_args()  # make bench passes bench.py's options too
    if args.only:
        return
    VAR.mkdir(parents=True, exist_ok=True)
    files = corpus(args.projects, 2)
    ports = {variant: free_port() for variant in VARIANTS}
    try:
        token, _ = setup_ours(ports["plain"])  # (the upload token; the read token is the main bench's)
        for variant in VARIANTS:
            gunicorn(f"ours-{variant}", ports[variant], "indexsite.wsgi:application", variant_env(ports[variant], variant))
        urls = {variant: f"http://127.0.0.1:{port}" for variant, port in ports.items()}
        for url in urls.values():
            wait_http(url + "/_health/live")
        log(f"uploading {len(files)} files")
        twine_upload(files, urls["metrics"] + "/legacy/", "__token__", token)

        page = "/simple/bench-p0001/"
        for url in urls.values():
            get(url + page)  # the fast path keeps it
        figures = {}
        for round_ in range(args.rounds):
            log(f"round {round_ + 1}/{args.rounds}")
            order = VARIANTS[round_ % 3:] + VARIANTS[: round_ % 3]
            for variant in order:
                for c in (1, 16):
                    figures.setdefault((variant, c), []).append(wrk(urls[variant] + page, c, args.seconds)[0])
        ready = {variant: ready_latency(url) for variant, url in urls.items()}

        # Every route group once more on the metrics site, then one scrape.
        site = urls["metrics"]
        get(site + "/simple/")
        get(site + "/pypi/bench-p0001/json")
        get(first_link(site + page))
        get(site + "/")
        get(site + "/admin/login/")
        twine_upload(files[:1], site + "/legacy/", "__token__", token)  # already there: still an upload
        get(site + "/legacy/", {"Authorization": "Bearer pypi-wrong"})
        status, body = get(site + "/_metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert status == 200, status
        counts = {}
        for line in body.decode().splitlines():
            if line.startswith("indexsite_http_requests_total{"):
                group = line.split('group="')[1].split('"')[0]
                counts[group] = counts.get(group, 0) + float(line.rsplit(" ", 1)[1])
        hooks = [line for line in body.decode().splitlines()
                 if line.startswith(("indexsite_fastpath", "indexsite_api_token", "indexsite_upload_refusals"))]
    finally:
        stop_all()

    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, `/simple/<project>/` (fast path), "
          f"{args.rounds} interleaved rounds of {args.seconds}s, medians, gunicorn sync x2\n")
    print("| site | req/s c=1 | req/s c=16 | vs plain c=1 | vs plain c=16 | `/_health/ready` median / p99 ms |")
    print("|---|---|---|---|---|---|")
    base = {c: statistics.median(figures[("plain", c)]) for c in (1, 16)}
    for variant in VARIANTS:
        one, sixteen = (statistics.median(figures[(variant, c)]) for c in (1, 16))
        median, p99 = ready[variant]
        print(f"| {variant} | {one:,.0f} | {sixteen:,.0f} | {one / base[1] - 1:+.1%} | {sixteen / base[16] - 1:+.1%} "
              f"| {median:.2f} / {p99:.2f} |")
    print("\nrequests counted by /_metrics (metrics site), by route group: "
          + ", ".join(f"{group} {count:,.0f}" for group, count in sorted(counts.items())))
    print("\n".join(hooks))


if __name__ == "__main__":
    main()
