"""gunicorn's settings for indexsite (deploy/indexsite.service runs `gunicorn -c deploy/gunicorn.conf.py`).

Sync workers: each request holds one worker for its whole duration, which is
what a 100 MB upload needs (the file streams to disk as it arrives; no thread
pool to starve). Two workers per core plus one is gunicorn's own advice; the
proxy in front (deploy/nginx.conf) buffers slow clients, so a worker is held
only while bytes move at the proxy's speed.
"""

import multiprocessing
import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# A 100 MB upload at 2 MB/s from nginx's buffer to the worker, plus hashing and
# storing it, stays well inside two minutes; a worker silent for longer is stuck.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows (jitter: not all at once).
max_requests = 5000
max_requests_jitter = 500
# The proxy's forwarded headers are read by the site itself (NUM_PROXIES,
# SECURE_PROXY_SSL_HEADER); gunicorn need not rewrite REMOTE_ADDR.
forwarded_allow_ips = "127.0.0.1"
accesslog = None  # the site writes its own access line (LOG_FORMAT=json for JSON)
errorlog = "-"
wsgi_app = "indexsite.wsgi:application"

_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def on_starting(server):
    """Metrics of a previous run would be added to this one's: start from an empty directory."""
    if _metrics_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
        os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    if _metrics_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
