"""Fixtures of the end-to-end suite: built packages, an uploader with 2FA, the server's request log.

The distributions are built once per session (hatchling builds are
reproducible, so a rebuild gives the same bytes); the server is pytest-django's
live server on a free port, with a temporary MEDIA_ROOT per test.
"""

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.signals import request_started

from accounts.models import SecurityEvent
from packages.models import File, FilenameRegistry, JournalEntry, Project, ProjectRole, Release
from tokens.services import token_create

from . import clients


@dataclass
class Dists:
    alpha_1: list  # sdist and wheel of e2e-alpha 1.0
    alpha_2: list  # e2e-alpha 2.0
    beta_1: list  # e2e-beta 1.0, which depends on e2e-alpha
    alpha_1_other_bytes: Path  # a wheel named like alpha 1.0's, with other content
    forbidden: Path  # wheel of e2e-forbidden (a prohibited name in the tests)
    confusable: Path  # wheel of e2e-a1pha, too similar to e2e-alpha
    renamed: Path  # alpha 1.0's wheel renamed to another project's filename
    truncated: Path  # alpha 1.0's wheel cut in half
    without_wheel_file: Path  # alpha 1.0's wheel without its .dist-info/WHEEL

    @staticmethod
    def wheel(files):
        return next(f for f in files if f.suffix == ".whl")

    @staticmethod
    def sdist(files):
        return next(f for f in files if f.name.endswith(".tar.gz"))


@pytest.fixture(scope="session")
def dists(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e-dists")
    env = clients.clean_env(root)

    def built(name, version, tag="", **kwargs):
        source = clients.write_project(root / "src" / f"{name}-{version}{tag}", name, version, **kwargs)
        return clients.build(source, root / "dist" / f"{name}-{version}{tag}", env=env)

    alpha_1 = built("e2e-alpha", "1.0")
    other = Dists.wheel(built("e2e-alpha", "1.0", tag="-other", mark="other bytes"))
    oddities = root / "odd"
    oddities.mkdir()
    renamed = oddities / "e2e_gamma-1.0-py3-none-any.whl"
    shutil.copy(Dists.wheel(alpha_1), renamed)
    truncated_dir = oddities / "truncated"
    truncated_dir.mkdir()
    truncated = truncated_dir / Dists.wheel(alpha_1).name
    data = Dists.wheel(alpha_1).read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    assert not zipfile.is_zipfile(truncated)
    broken_dir = oddities / "broken"
    broken_dir.mkdir()
    without_wheel_file = broken_dir / Dists.wheel(alpha_1).name
    with zipfile.ZipFile(Dists.wheel(alpha_1)) as source, zipfile.ZipFile(without_wheel_file, "w") as target:
        for info in source.infolist():
            if not info.filename.endswith(".dist-info/WHEEL"):
                target.writestr(info, source.read(info))
    return Dists(
        alpha_1=alpha_1,
        alpha_2=built("e2e-alpha", "2.0"),
        beta_1=built("e2e-beta", "1.0", dependencies=["e2e-alpha>=1.0"]),
        alpha_1_other_bytes=other,
        forbidden=Dists.wheel(built("e2e-forbidden", "1.0")),
        confusable=Dists.wheel(built("e2e-a1pha", "1.0")),
        renamed=renamed,
        truncated=truncated,
        without_wheel_file=without_wheel_file,
    )


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return clients.clean_env(home)


@pytest.fixture
def uploader(two_factor_user):
    """A user with a verified email and an authenticator app: allowed to upload."""
    return two_factor_user


def make_token(user, *projects):
    """A raw API token for `user`, scoped to `projects` (none: the whole account)."""
    _, raw = token_create(user=user, name=f"e2e {'-'.join(projects) or 'account'}", projects=list(projects) or None)
    return raw


@pytest.fixture
def server(site_url, media_root):
    """The live server's URL, storing files under a fresh MEDIA_ROOT."""
    return site_url


@pytest.fixture
def server_requests():
    """(method, path) of every request the live server receives during the test."""
    seen = []

    def record(sender, environ=None, **kwargs):
        if environ is not None:
            seen.append((environ["REQUEST_METHOD"], environ["PATH_INFO"]))

    request_started.connect(record, weak=False)
    yield seen
    request_started.disconnect(record)


def state(media_root):
    """What an upload could leave behind: package rows, the journal, events, and stored files."""
    return {
        "projects": list(Project.objects.values_list("normalized_name", "last_serial", "total_size").order_by("id")),
        "roles": ProjectRole.objects.count(),
        "releases": list(Release.objects.values_list("id", "version", "yanked").order_by("id")),
        "files": list(File.objects.values_list("filename", "sha256_digest").order_by("id")),
        "filenames": FilenameRegistry.objects.count(),
        "journal": JournalEntry.objects.count(),
        "package_events": SecurityEvent.objects.filter(tag__startswith="project:").count()
        + SecurityEvent.objects.filter(tag__startswith="file:").count(),
        "stored": sorted(str(p.relative_to(media_root)) for p in Path(media_root).rglob("*") if p.is_file()),
    }


# -- the client matrix's results, for the README's compatibility table ---------

_matrix_outcomes = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if item.get_closest_marker("clients") is None:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        notes = [value for key, value in item.user_properties if key == "note"]
        client = getattr(item, "callspec", None) and item.callspec.params.get("client_id")
        _matrix_outcomes[item.nodeid] = (client or item.originalname, report.outcome, "; ".join(notes))


def pytest_sessionfinish(session):
    if _matrix_outcomes:
        from . import matrix

        matrix.record(_matrix_outcomes)
