"""`make bench`: this index beside devpi-server and pypiserver, production-like, on loopback.

Installs the peers (pinned, each in its own venv under var/bench/) and wrk
(Debian), writes a corpus of small wheels, starts this site (gunicorn sync x2,
DEBUG off, PostgreSQL, Redis), devpi-server, pypiserver, a hello-world app on
the same gunicorn and Varnish (deploy/varnish.vcl) in front of the site,
uploads the corpus into each with twine, runs interleaved rounds of wrk for
every figure at c=1 and c=16, times `uv pip install`, prints one table of
medians and ratios, and stops everything it started.

    .venv/bin/python benchmarks/bench.py [--projects 200] [--versions 10] [--rounds 3] [--seconds 5] [--scale 100000]
                                         [--only uploads]

`--only uploads` starts only the three servers and prints only the twine row.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import base64
import urllib.error
import urllib.request
import zipfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
VENV_BIN = ROOT / ".venv" / "bin"
PEERS = {
    # devpi-tokens gives devpi the token path (its client extra creates the token).
    "devpi": ["devpi-server==6.20.3", "devpi-tokens[client]==1.1.0", "devpi-client==7.3.0"],
    "pypiserver": ["pypiserver==2.4.2", "watchdog==2.2.1", "passlib==1.7.4"],
}
DATABASE = "indexsite_bench"
PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/11"
PASSWORD = "bench-password-1"
JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"
# Read with a token: this project is private in ours, and pypiserver's second instance asks for a password.
PRIVATE_PROJECT = "bench-p0003"
# Only in the upstream (pypiserver): the proxied figures; the second is installed once, cold.
UPSTREAM_PROJECTS = ("bench-upstream", "bench-upstream-cold")
started = []


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run(*command, **kwargs):
    return subprocess.run(command, check=True, **kwargs)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name, command, *, env=None, cwd=None):
    out = open(VAR / f"{name}.log", "w")
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    started.append((name, process))
    return process


def stop_all():
    for name, process in reversed(started):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    started.clear()


def wait_http(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer in {timeout}s (see {VAR}/*.log)")


# -- installs -------------------------------------------------------------------


def install():
    for name, requirements in PEERS.items():
        venv = VAR / name
        stamp = venv / ".installed"
        if stamp.exists() and stamp.read_text() == " ".join(requirements):
            continue
        run(sys.executable, "-m", "venv", "--clear", str(venv))
        run(str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", *requirements)
        stamp.write_text(" ".join(requirements))
    if not shutil.which("wrk") or not shutil.which("varnishd"):
        log("installing wrk, varnish and varnish-modules from Debian")
        run("apt-get", "update", "-qq")
        run("apt-get", "install", "-y", "-qq", "wrk", "varnish", "varnish-modules",
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL)


# -- corpus ---------------------------------------------------------------------


def wheel(directory, name, version):
    dist = name.replace("-", "_")
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    info = f"{dist}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: benchmark corpus\n\n"
    files = {
        f"{dist}/__init__.py": f"VERSION = {version!r}\n",
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{n},,\n" for n in files) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name_, text in {**files, f"{info}/RECORD": record}.items():
            archive.writestr(zipfile.ZipInfo(name_, (2024, 1, 1, 0, 0, 0)), text)
    return path


def corpus(projects, versions):
    directory = VAR / f"corpus-{projects}x{versions}"
    if not directory.exists():
        directory.mkdir(parents=True)
        for p in range(projects):
            for v in range(versions):
                wheel(directory, f"bench-p{p:04d}", f"1.{v}")
    return sorted(directory.glob("*.whl"))


# -- servers --------------------------------------------------------------------


def site_env(port, upstream_port=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY="bench-" + "k" * 50,
        DATABASE_URL=f"{PG}/{DATABASE}",
        CACHE_URL=REDIS,
        SITE_URL="https://localhost",  # only names the WebAuthn relying party; URLs follow the request
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        MEDIA_ROOT=str(VAR / "ours-files"),
        LOG_LEVEL="WARNING",
        # The corpus is uploaded as fast as the site takes it: the abuse limits would stop it.
        UPLOAD_RATE_LIMIT="1000000",
        PROJECT_CREATION_RATE_LIMIT="1000000",
    )
    if upstream_port is not None:
        # The upstream index (packages/upstream): pypiserver, which holds the upstream-only projects.
        env.update(UPSTREAM_INDEX_URL=f"http://127.0.0.1:{upstream_port}/simple/", UPSTREAM_FILE_HOSTS=f"127.0.0.1:{upstream_port}")
    return env


def setup_ours(port, upstream_port=None):
    run("psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE IF EXISTS {DATABASE}")
    run("psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {DATABASE}")
    shutil.rmtree(VAR / "ours-files", ignore_errors=True)
    env = site_env(port, upstream_port)
    run(str(VENV_BIN / "python"), "manage.py", "migrate", "--noinput", "-v0", cwd=ROOT, env=env)
    script = (
        "from accounts.models import User, Email\n"
        "from django_otp.plugins.otp_totp.models import TOTPDevice\n"
        "from tokens.services import token_create\n"
        f"u = User.objects.create_user('bench', password={PASSWORD!r})\n"
        "Email.objects.create(user=u, email='bench@example.com', primary=True, verified=True)\n"
        "TOTPDevice.objects.create(user=u, name='app', confirmed=True)\n"
        "print(token_create(user=u, name='bench')[1])\n"
        # A read-only token for the private project's figures (made private after the uploads).
        f"read, raw = token_create(user=u, name='bench-read', projects=[{PRIVATE_PROJECT!r}])\n"
        "read.can_read, read.can_upload = True, False\n"
        "read.save()\n"
        "print(raw)\n"
    )
    out = run(str(VENV_BIN / "python"), "manage.py", "shell", "-c", script, cwd=ROOT, env=env,
              capture_output=True, text=True)
    upload_token, read_token = out.stdout.strip().splitlines()[-2:]
    return upload_token, read_token


def make_private(env, name):
    script = (
        "from packages.models import Project\n"
        "from packages.index import rendering\n"
        f"p = Project.objects.get(normalized_name={name!r}); p.private = True; p.save()\n"
        f"rendering.project_changed(name={name!r}, index=True)\n"
    )
    run(str(VENV_BIN / "python"), "manage.py", "shell", "-c", script, cwd=ROOT, env=env)


def gunicorn(name, port, app, env=None):
    return start(name, [str(VENV_BIN / "gunicorn"), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}",
                        "--log-level", "warning", app], env=env, cwd=ROOT)


def start_devpi(port, upstream_url):
    serverdir = VAR / "devpi-data"
    shutil.rmtree(serverdir, ignore_errors=True)
    bin_ = VAR / "devpi" / "bin"
    run(str(bin_ / "devpi-init"), "--serverdir", str(serverdir), "--no-root-pypi", stdout=subprocess.DEVNULL)
    # Not --offline-mode: its mirror index fetches from the local upstream (pypiserver); --no-root-pypi
    # above means it knows no other.
    start("devpi", [str(bin_ / "devpi-server"), "--serverdir", str(serverdir), "--host", "127.0.0.1",
                    "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/+api")
    _json(base + "/bench", "PUT", {"password": PASSWORD, "email": "bench@example.com"})
    login = _json(base + "/+login", "POST", {"user": "bench", "password": PASSWORD})
    auth = base64.b64encode(f"bench:{login['result']['password']}".encode()).decode()
    _json(base + "/bench/dev", "PUT", {"type": "stage", "bases": [], "volatile": True}, {"X-Devpi-Auth": auth})
    # devpi's answer to an upstream: a mirror index (root/pypi's kind) of the same local upstream as ours.
    _json(base + "/bench/mirror", "PUT", {"type": "mirror", "mirror_url": upstream_url, "volatile": True},
          {"X-Devpi-Auth": auth})
    # An upload token, as a CI job would hold one (devpi-tokens, created with devpi-client).
    client = ["--clientdir", str(VAR / "devpi-client")]
    devpi = str(bin_ / "devpi")
    run(devpi, "use", *client, base + "/bench/dev", stdout=subprocess.DEVNULL)
    run(devpi, "login", *client, "bench", "--password", PASSWORD, stdout=subprocess.DEVNULL)
    created = run(devpi, "token-create", *client, capture_output=True, text=True)
    token = created.stdout.strip().splitlines()[-1]
    if not token.startswith("devpi-"):
        raise SystemExit(f"devpi token-create gave no token: {created.stdout!r} {created.stderr!r}")
    return base, token


def _json(url, method, data, headers=None):
    import json

    request = urllib.request.Request(url, method=method, data=json.dumps(data).encode(),
                                     headers={"Content-Type": "application/json", "Accept": "application/json",
                                              **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def start_pypiserver(port):
    packages = VAR / "pypiserver-packages"
    shutil.rmtree(packages, ignore_errors=True)
    packages.mkdir()
    start("pypiserver", [str(VAR / "pypiserver" / "bin" / "pypi-server"), "run", "-i", "127.0.0.1", "-p", str(port),
                         "-a", ".", "-P", ".", str(packages)])
    wait_http(f"http://127.0.0.1:{port}/simple/")


def start_pypiserver_private(port):
    """pypiserver's read authentication: the same packages, listing and downloads behind an htpasswd file,
    made as pypiserver's README makes it (`htpasswd -sc`, SHA-1)."""
    htpasswd = VAR / "pypiserver-htpasswd"
    python = str(VAR / "pypiserver" / "bin" / "python")
    run(python, "-c", "import sys; from passlib.apache import HtpasswdFile; "
        "h = HtpasswdFile(sys.argv[1], new=True, default_scheme='ldap_sha1'); h.set_password('bench', sys.argv[2]); "
        "h.save()", str(htpasswd), PASSWORD)
    start("pypiserver-private", [str(VAR / "pypiserver" / "bin" / "pypi-server"), "run", "-i", "127.0.0.1",
                                 "-p", str(port), "-a", "list,download,update", "-P", str(htpasswd),
                                 str(VAR / "pypiserver-packages")])
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/simple/", timeout=2)
            raise SystemExit("pypiserver with -a list,download answered without a password")
        except urllib.error.HTTPError as error:
            if error.code == 401:
                return
        except OSError:
            if time.time() > deadline:
                raise SystemExit(f"pypiserver-private did not answer (see {VAR}/pypiserver-private.log)")
            time.sleep(0.3)


def start_varnish(backend_port, port):
    workdir = VAR / "varnish"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir()
    vcl = workdir / "bench.vcl"
    vcl.write_text((ROOT / "deploy" / "varnish.vcl").read_text().replace('"8000"', f'"{backend_port}"'))
    os.chmod(workdir, 0o755)
    start("varnish", ["varnishd", "-F", "-a", f"127.0.0.1:{port}", "-f", str(vcl), "-n", str(workdir / "n"),
                      "-s", "malloc,64m", "-T", "none", "-j", "none"])


# -- measurements ---------------------------------------------------------------


def twine_upload(files, url, user, password):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "TWINE_"))}
    start_ = time.perf_counter()
    run(str(VENV_BIN / "twine"), "upload", "--disable-progress-bar", "--non-interactive", "--repository-url", url,
        "-u", user, "-p", password, *map(str, files), env=env, stdout=subprocess.DEVNULL)
    return len(files) / (time.perf_counter() - start_)


def wrk(url, connections, seconds, headers=()):
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    ms = float(p50.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)] if p50 else float("nan")
    if "Non-2xx" in out and not any(h.startswith("If-None-Match") for h in headers):
        raise SystemExit(f"wrk got errors from {url}:\n{out}")
    return rate, ms


def first_link(page_url):
    from urllib.parse import urljoin

    html = urllib.request.urlopen(page_url, timeout=10).read().decode()
    return urljoin(page_url, re.search(r'href="([^"#]+)', html).group(1))


def uv_install(index_url, project):
    target = VAR / "uv-target"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env.update(UV_NO_CONFIG="1", HOME=str(VAR / "uv-home"))
    if not target.exists():
        run(str(VENV_BIN / "uv"), "venv", "-q", str(target), env=env)
    start_ = time.perf_counter()
    run(str(VENV_BIN / "uv"), "pip", "install", "-q", "--no-cache", "--reinstall", "--python",
        str(target / "bin" / "python"), "--index-url", index_url, project, env=env)
    return time.perf_counter() - start_


def etag_of(url):
    return urllib.request.urlopen(url, timeout=60).headers["ETag"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--versions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--scale", type=int, default=0, help="add this many projects for the root-index figures")
    parser.add_argument("--only", choices=["uploads"], help="measure only this figure (uploads: the twine row)")
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    install()
    files = corpus(args.projects, args.versions)
    ports = {name: free_port() for name in ("ours", "devpi", "pypiserver", "pypiserver-private", "hello", "varnish")}
    try:
        token, read_token = setup_ours(ports["ours"], ports["pypiserver"])
        env = site_env(ports["ours"], ports["pypiserver"])
        env["CACHE_PURGE_URLS"] = f"http://127.0.0.1:{ports['varnish']}/"
        gunicorn("ours", ports["ours"], "indexsite.wsgi:application", env)
        start_pypiserver(ports["pypiserver"])
        devpi, devpi_token = start_devpi(ports["devpi"], f"http://127.0.0.1:{ports['pypiserver']}/simple/")
        ours = f"http://127.0.0.1:{ports['ours']}"
        pypiserver = f"http://127.0.0.1:{ports['pypiserver']}"
        gunicorn("hello", ports["hello"], "benchmarks.hello:application")
        wait_http(ours + "/simple/")
        if args.only != "uploads":
            # Projects only the upstream has: served by ours and by devpi's mirror index through them.
            for name in UPSTREAM_PROJECTS:
                wheel(VAR / "pypiserver-packages", name, "1.0")
            start_varnish(ports["ours"], ports["varnish"])
        varnish = f"http://127.0.0.1:{ports['varnish']}"
        hello = f"http://127.0.0.1:{ports['hello']}/"
        wait_http(hello)

        # Uploads: the same files into each, split into interleaved batches.
        batches = [files[i :: args.rounds] for i in range(args.rounds)]
        uploads = {"ours": [], "devpi": [], "devpi-basic": [], "pypiserver": [], "hello": []}
        for batch in batches:
            log(f"uploading {len(batch)} files into each")
            uploads["ours"].append(twine_upload(batch, ours + "/legacy/", "__token__", token))
            # devpi's basic-auth path is slow (it hashes the password on every request): a tenth of the batch.
            tenth = max(1, len(batch) // 10)
            uploads["devpi"].append(twine_upload(batch[tenth:], devpi + "/bench/dev/", "bench", devpi_token))
            uploads["devpi-basic"].append(twine_upload(batch[:tenth], devpi + "/bench/dev/", "bench", PASSWORD))
            uploads["pypiserver"].append(twine_upload(batch, pypiserver + "/", "bench", PASSWORD))
            # The ceiling: twine's own cost, against the hello-world app (which reads the body and answers 200).
            uploads["hello"].append(twine_upload(batch, hello, "__token__", token))
        if args.only == "uploads":
            print_uploads(args, uploads)
            return

        make_private(env, PRIVATE_PROJECT)
        start_pypiserver_private(ports["pypiserver-private"])
        private_pypiserver = f"http://127.0.0.1:{ports['pypiserver-private']}"
        read_headers = {
            "ours": "Authorization: Basic " + base64.b64encode(f"__token__:{read_token}".encode()).decode(),
            "pypiserver": "Authorization: Basic " + base64.b64encode(f"bench:{PASSWORD}".encode()).decode(),
        }

        project = "bench-p0001"
        urls = {
            "page": {"ours": f"{ours}/simple/{project}/", "devpi": f"{devpi}/bench/dev/+simple/{project}/",
                     "pypiserver": f"{pypiserver}/simple/{project}/", "varnish": f"{varnish}/simple/{project}/"},
            "root": {"ours": f"{ours}/simple/", "devpi": f"{devpi}/bench/dev/+simple/",
                     "pypiserver": f"{pypiserver}/simple/", "varnish": f"{varnish}/simple/"},
        }
        urls["json"] = {k: v for k, v in urls["page"].items() if k != "pypiserver"}
        urls["file"] = {k: first_link(v) for k, v in urls["page"].items() if k != "varnish"}
        urls["private"] = {"ours": f"{ours}/simple/{PRIVATE_PROJECT}/",
                           "pypiserver": f"{private_pypiserver}/simple/{PRIVATE_PROJECT}/"}
        urls["proxied"] = {"ours": f"{ours}/simple/bench-upstream/",
                           "devpi": f"{devpi}/bench/mirror/+simple/bench-upstream/"}
        figures = {}
        # Cold: the first install of an upstream-only project, its page and file fetched through each index.
        mirrors = [("ours", ours + "/simple/"), ("devpi", devpi + "/bench/mirror/+simple/")]
        for server, index in mirrors:
            figures[("uv-proxied-cold", server, 0)] = [uv_install(index, "bench-upstream-cold")]
            uv_install(index, "bench-upstream")  # the warm figures' file, fetched once before they are timed
        for name, figure in urls.items():
            for server, url in figure.items():
                headers = {"Authorization": read_headers[server].split(": ", 1)[1]} if name == "private" else {}
                # Warm every cache once (and check the private page answers its reader).
                urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60).read()
        for round_ in range(args.rounds):
            log(f"round {round_ + 1}/{args.rounds}")
            for figure, by_server in urls.items():
                for server, url in by_server.items():
                    headers = [f"Accept: {JSON_ACCEPT}"] if figure == "json" else []
                    if figure == "private":
                        headers = [read_headers[server]]
                    for c in (1, 16):
                        figures.setdefault((figure, server, c), []).append(wrk(url, c, args.seconds, headers)[0])
            for c in (1, 16):
                figures.setdefault(("hello", "hello", c), []).append(wrk(hello, c, args.seconds)[0])
            # Installs one after another, the first server of each round in turn (whoever runs right
            # after the wrk load pays for it), three times each: the median of all is the figure.
            indexes = [("ours", ours + "/simple/"), ("devpi", devpi + "/bench/dev/+simple/"),
                       ("pypiserver", pypiserver + "/simple/")]
            shift = round_ % len(indexes)
            for _ in range(3):
                for server, index in indexes[shift:] + indexes[:shift]:
                    figures.setdefault(("uv", server, 0), []).append(uv_install(index, "bench-p0002"))
                for server, index in mirrors[round_ % 2:] + mirrors[: round_ % 2]:
                    figures.setdefault(("uv-proxied", server, 0), []).append(uv_install(index, "bench-upstream"))
        scale = {}
        if args.scale:
            scale = measure_scale(args, ours, env)
        print_table(args, figures, uploads, scale)
    finally:
        stop_all()


def measure_scale(args, ours, env):
    log(f"adding {args.scale} projects")
    sql = (
        "INSERT INTO packages_project (name, normalized_name, created, status, total_size, last_serial, "
        "confusable_name) SELECT 'scale-' || g, 'scale-' || g, now(), 'active', 0, 0, 'scale-' || g "
        f"FROM generate_series(1, {args.scale}) g"
    )
    run("psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", DATABASE, "-c", sql)
    run(str(VENV_BIN / "python"), "manage.py", "shell", "-c",
        "from packages.index import rendering; rendering.project_changed(name='scale-1', index=True)",
        cwd=ROOT, env=env)
    url = ours + "/simple/"
    start_ = time.perf_counter()
    etag = etag_of(url)
    cold = time.perf_counter() - start_
    for _ in range(4):
        urllib.request.urlopen(url, timeout=60).read()  # both workers, both representations built
    result = {"cold_s": cold, "projects": args.scale + args.projects}
    for c in (1, 16):
        rates = [wrk(url, c, args.seconds)[0] for _ in range(args.rounds)]
        result[c] = statistics.median(rates)
    result["304_ms"] = statistics.median(
        wrk(url, 1, args.seconds, [f"If-None-Match: {etag}"])[1] for _ in range(args.rounds))
    return result


def upload_row(uploads):
    up = {k: statistics.median(v) for k, v in uploads.items()}
    return (f"| twine upload, files/s | {up['ours']:.1f} | {up['devpi']:.1f} (token; basic auth {up['devpi-basic']:.1f}) "
            f"| {up['pypiserver']:.1f} | "
            f"{up['ours'] / up['devpi']:.2f} | {up['ours'] / up['pypiserver']:.2f} | |\n"
            f"| twine upload to the hello-world app (twine's own cost: the ceiling), files/s | {up['hello']:.1f} | | | "
            f"{up['hello'] / up['devpi']:.2f} | | |")


def print_uploads(args, uploads):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{now}, {os.cpu_count()} cores, {args.projects * args.versions} files in {args.projects} projects, "
          f"{args.rounds} interleaved rounds, medians (uploads only)\n")
    print("| figure | ours | devpi | pypiserver | ours/devpi | ours/pypiserver | |")
    print("|---|---|---|---|---|---|---|")
    print(upload_row(uploads))


def print_table(args, figures, uploads, scale):
    def med(figure, server, c):
        values = figures.get((figure, server, c))
        return statistics.median(values) if values else None

    def pair(figure, server):
        a, b = med(figure, server, 1), med(figure, server, 16)
        return "(not served)" if a is None else f"{a:,.0f} / {b:,.0f}"

    def ratio(figure, other):
        a1, a16 = med(figure, "ours", 1), med(figure, "ours", 16)
        b1, b16 = med(figure, other, 1), med(figure, other, 16)
        return f"{a1 / b1:.2f} / {a16 / b16:.2f}"

    names = {"page": "`/simple/<project>/` HTML, req/s", "json": "same, PEP 691 JSON, req/s",
             "root": f"root `/simple/` ({args.projects} projects), req/s", "file": "wheel download, req/s"}
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{now}, {os.cpu_count()} cores, {args.projects * args.versions} files in {args.projects} projects, "
          f"{args.rounds} interleaved rounds of {args.seconds}s, medians, c=1 / c=16\n")
    print("| figure | ours | devpi | pypiserver | ours/devpi | ours/pypiserver | through Varnish |")
    print("|---|---|---|---|---|---|---|")
    for figure, title in names.items():
        pypi_ratio = ratio(figure, "pypiserver") if med(figure, "pypiserver", 1) else ""
        print(f"| {title} | {pair(figure, 'ours')} | {pair(figure, 'devpi')} | {pair(figure, 'pypiserver')} | "
              f"{ratio(figure, 'devpi')} | {pypi_ratio} | {pair(figure, 'varnish') if figure != 'file' else ''} |")
    print(upload_row(uploads))
    uv = {s: med("uv", s, 0) for s in ("ours", "devpi", "pypiserver")}
    print(f"| `uv pip install` of one project, s | {uv['ours']:.3f} | {uv['devpi']:.3f} | {uv['pypiserver']:.3f} | "
          f"{uv['devpi'] / uv['ours']:.2f} (speed) | {uv['pypiserver'] / uv['ours']:.2f} (speed) | |")
    h1, h16 = med("hello", "hello", 1), med("hello", "hello", 16)
    print(f"| hello-world WSGI, same gunicorn (ceiling), req/s | {h1:,.0f} / {h16:,.0f} | | | | | |")
    for figure in ("page", "json"):
        print(f"| {names[figure].split(',')[0]} as share of the ceiling | "
              f"{med(figure, 'ours', 1) / h1:.0%} / {med(figure, 'ours', 16) / h16:.0%} | | | | | |")
    print(f"| private `/simple/<project>/` with a read token (Basic; pypiserver: `-a list,download` and htpasswd), "
          f"req/s | {pair('private', 'ours')} | | {pair('private', 'pypiserver')} | | "
          f"{ratio('private', 'pypiserver')} | |")
    print(f"| same as share of the ceiling | "
          f"{med('private', 'ours', 1) / h1:.0%} / {med('private', 'ours', 16) / h16:.0%} | | | | | |")
    print(f"| proxied `/simple/<project>/` from the upstream (devpi: its mirror index), warm, req/s | "
          f"{pair('proxied', 'ours')} | {pair('proxied', 'devpi')} | | {ratio('proxied', 'devpi')} | | |")
    print(f"| same as share of the ceiling | "
          f"{med('proxied', 'ours', 1) / h1:.0%} / {med('proxied', 'ours', 16) / h16:.0%} | | | | | |")
    cold = {s: med("uv-proxied-cold", s, 0) for s in ("ours", "devpi")}
    warm = {s: med("uv-proxied", s, 0) for s in ("ours", "devpi")}
    print(f"| `uv pip install` of a proxied project, cold / warm, s | {cold['ours']:.3f} / {warm['ours']:.3f} | "
          f"{cold['devpi']:.3f} / {warm['devpi']:.3f} | | {cold['devpi'] / cold['ours']:.2f} / "
          f"{warm['devpi'] / warm['ours']:.2f} (speed) | | |")
    if scale:
        print(f"\nroot `/simple/` at {scale['projects']:,} projects: {scale[1]:.0f} req/s (c=1), {scale[16]:.0f} "
              f"(c=16); 304 median {scale['304_ms']:.2f} ms; first build {scale['cold_s']:.2f} s")


if __name__ == "__main__":
    main()
