"""The client matrix (clients.txt): each client in its own virtual environment, cached under var/clients/.

An environment is made on first use with the project's own pip, from the
registry only (no configuration of this machine), and reused while its
requirements stay the same: a stamp file inside it records them. Nothing in
an environment is shared with the project's .venv.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MATRIX = Path(__file__).with_name("clients.txt")
# Resolved: .ci/run may make var/clients a link to a cache kept outside the clone, and the
# scripts inside an environment name its real path.
CACHE = Path(os.environ.get("CLIENTS_CACHE") or ROOT / "var" / "clients").resolve()
RESULTS = CACHE / "last-run.json"
SITE_PACKAGES = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"
INSTALL_TIMEOUT = 900


@dataclass(frozen=True)
class Client:
    name: str
    version: str
    role: str  # upload | install | both | build
    requirements: tuple

    @property
    def id(self):
        return f"{self.name}-{self.version}"

    @property
    def path(self):
        return CACHE / self.id

    @property
    def bin(self):
        return self.path / "bin"

    @property
    def python(self):
        return self.bin / "python"

    @property
    def site_packages(self):
        return self.path / SITE_PACKAGES


def load():
    clients = {}
    for line in MATRIX.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version, role, *requirements = line.split()
            client = Client(name, version, role, tuple(requirements))
            clients[client.id] = client
    return clients


CLIENTS = load()


def of(name, role=None):
    """The clients named `name` (and of `role`), in matrix order."""
    return [c for c in CLIENTS.values() if c.name == name and (role is None or c.role == role)]


def get(name, version=None):
    return next(c for c in CLIENTS.values() if c.name == name and (version is None or c.version == version))


class ClientUnavailable(Exception):
    """The client's environment could not be made here; the message says why."""


def registry_env():
    """pip talking to the registry only: none of this machine's pip configuration."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(CACHE),
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
        "LANG": "C.UTF-8",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INPUT": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_CACHE_DIR": str(CACHE / ".pip-cache"),
    }


def ensure(client):
    """The client's environment, made now if missing or made for other requirements."""
    stamp = client.path / ".requirements"
    wanted = "\n".join([str(client.path), *client.requirements]) + "\n"
    if stamp.exists() and stamp.read_text() == wanted and client.python.exists():
        return client
    failure = client.path / ".failed"
    shutil.rmtree(client.path, ignore_errors=True)
    client.path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    steps = [
        [sys.executable, "-m", "venv", "--without-pip", client.path],
        [sys.executable, "-m", "pip", "--isolated", "--python", client.python, "install", "--quiet",
         *client.requirements],
    ]
    for step in steps:
        done = subprocess.run(
            [str(a) for a in step], env=registry_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=INSTALL_TIMEOUT, check=False,
        )
        if done.returncode != 0:
            client.path.mkdir(parents=True, exist_ok=True)
            failure.write_text(done.stdout)
            raise ClientUnavailable(f"{client.id} cannot be installed here: {done.stdout.strip()[-2000:]}")
    stamp.write_text(wanted)
    (client.path / ".created").write_text(f"{time.monotonic() - started:.1f}\n")
    return client


def record(outcomes):
    """Merge {test id: (client id, outcome, note)} into the last run's results (README table)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update({test: {"client": c, "outcome": o, "note": n} for test, (c, o, n) in outcomes.items()})
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
