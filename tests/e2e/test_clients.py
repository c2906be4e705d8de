"""The client matrix: every uploader and installer of clients.txt, run for real against the live server.

Each client runs from its own cached environment (tests/e2e/matrix.py), is
configured the way its users configure it (.pypirc with a named repository,
environment variables, command-line flags), and is judged by what it prints.
One project per build backend (tests/e2e/projects.py) is built once per run.
Each test records its outcome for the README's compatibility table
(`python -m tests.e2e.compat_table`).
"""

import hashlib
import re
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core import mail

from packages.models import DeprecationNotice, File

from . import clients, matrix, projects
from .conftest import make_token

pytestmark = [pytest.mark.e2e, pytest.mark.clients]

# Which builds each uploader can read: twine reads core metadata itself, and
# older twines stop at an older Metadata-Version (hatchling and flit_core write 2.5,
# setuptools 80 and poetry-core 2.4, setuptools 68 writes 2.1).
METADATA_2_5 = ["ct-setuptools", "ct-oldmeta", "ct-hatchling", "ct-flit", "ct-poetry"]
METADATA_2_4 = ["ct-setuptools", "ct-oldmeta", "ct-poetry"]
METADATA_2_1 = ["ct-oldmeta"]


@dataclass
class Build:
    name: str
    source: Path
    files: list  # [sdist, wheel]
    rebuilt: Path  # the wheel built again from changed sources: same filename, other bytes

    @property
    def sdist(self):
        return next(f for f in self.files if f.name.endswith(".tar.gz"))

    @property
    def wheel(self):
        return next(f for f in self.files if f.suffix == ".whl")


def client_env(home, *clients_on_path):
    """clients.clean_env, with only the given clients' environments on PATH."""
    env = clients.clean_env(home)
    env["PATH"] = ":".join([*(str(c.bin) for c in clients_on_path), "/usr/bin", "/bin"])
    return env


def backend_build(name, root, *, mark=""):
    backend = matrix.ensure(matrix.CLIENTS[projects.BACKENDS[name][0]])
    source = projects.write(root / "src" / f"{name}{mark}", name, mark=mark)
    outdir = root / "dist" / f"{name}{mark}"
    result = clients.run(
        [backend.python, "-m", "build", "--no-isolation", "--outdir", outdir, source], env=client_env(root, backend)
    )
    assert result.returncode == 0, result
    return source, sorted(outdir.iterdir())


@pytest.fixture(scope="session")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("matrix")
    made = {}
    for name in projects.BACKENDS:
        source, files = backend_build(name, root)
        _, rebuilt = backend_build(name, root, mark="-rebuilt")
        made[name] = Build(name, source, files, next(f for f in rebuilt if f.suffix == ".whl"))
    assert made["ct-oldmeta"].sdist.name == "ct-oldmeta-1.0.tar.gz"  # the pre-PEP 625 form
    return made


@pytest.fixture
def note(request):
    """note("...") adds to this test's line in the compatibility table."""

    def add(text):
        request.node.user_properties.append(("note", text))

    return add


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


def env_of(client, home):
    return client_env(home, matrix.ensure(client))


def files_of(builds, names):
    return [f for name in names for f in builds[name].files]


def uploaded(names):
    return set(File.objects.filter(release__project__normalized_name__in=names).values_list("filename", flat=True))


def write_pypirc(home, url, token, *, name="ctindex"):
    (home / ".pypirc").write_text(
        textwrap.dedent(
            f"""\
            [distutils]
            index-servers =
                {name}

            [{name}]
            repository = {url}
            username = __token__
            password = {token}
            """
        )
    )


def reuse_message(filename, blake2, site):
    return (
        f"File already exists ('{filename}', with blake2_256 hash '{blake2}'). "
        "A filename can never be reused: bump the version, or publish a post-release such as 1.0.post1. "
        f"See {site}/help/#file-name-reuse for more information."
    )


def blake2(path):
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=32).hexdigest()


# -- twine ---------------------------------------------------------------------

TWINE_CASES = {
    # client id: (how its users configure it, the builds it can read)
    "twine-7.0.0": ("pypirc", METADATA_2_5),
    "twine-6.1.0": ("env", METADATA_2_4),
    "twine-5.1.1": ("flags", METADATA_2_1),
    "twine-4.0.2": ("pypirc", METADATA_2_1),
}


def twine(client, server, token, files, *, style, home):
    env = env_of(client, home)
    args = [client.bin / "twine", "upload", "--non-interactive", "--disable-progress-bar"]
    if style == "pypirc":
        # The repository URL as people copy it, without the trailing slash.
        write_pypirc(home, f"{server}/legacy", token)
        args += ["-r", "ctindex"]
    elif style == "env":
        env.update(TWINE_REPOSITORY_URL=f"{server}/legacy/", TWINE_USERNAME="__token__", TWINE_PASSWORD=token)
    else:
        args += ["--repository-url", f"{server}/legacy/", "-u", "__token__", "-p", token]
    return clients.run([*args, *files], env=env)


@pytest.mark.parametrize("client_id", list(TWINE_CASES))
def test_twine_uploads(client_id, server, builds, uploader, home, note, settings):
    client = matrix.CLIENTS[client_id]
    style, readable = TWINE_CASES[client_id]
    token = make_token(uploader)
    url = f"{server}/legacy" + ("" if style == "pypirc" else "/")

    result = twine(client, server, token, files_of(builds, readable), style=style, home=home)

    assert result.returncode == 0, result
    for path in files_of(builds, readable):
        assert f"Uploading {path.name}" in result.text, result
    assert uploaded(readable) == {p.name for p in files_of(builds, readable)}
    # The old-style sdist of setuptools < 69.3 is accepted, and its uploader told once.
    notice = DeprecationNotice.objects.get()
    assert (notice.filename, notice.user) == ("ct-oldmeta-1.0.tar.gz", uploader)
    assert [m.subject for m in mail.outbox if "Deprecated source distribution filename" in m.subject] == [
        f"[{settings.SITE_NAME}] Deprecated source distribution filename in ct-oldmeta 1.0"
    ]

    # Re-running the same upload is harmless: identical files answer 200.
    again = twine(client, server, token, builds["ct-oldmeta"].files, style=style, home=home)
    assert again.returncode == 0, again

    # A rebuild with other bytes under the same filename: twine prints the reason phrase.
    rebuilt = builds["ct-oldmeta"].rebuilt
    refused = twine(client, server, token, [rebuilt], style=style, home=home)
    assert refused.returncode == 1, refused
    message = reuse_message(rebuilt.name, blake2(rebuilt), server)
    assert f"HTTPError: 400 Bad Request from {url} {message}" in refused.text, refused
    note(f"config: {dict(pypirc='.pypirc named repository', env='TWINE_* variables', flags='command-line flags')[style]}")
    note(f"uploads Metadata-Version {'2.1-2.5' if readable == METADATA_2_5 else '2.1-2.4' if readable == METADATA_2_4 else '2.1 only (cannot read newer)'}")


# -- /legacy without the slash, DEBUG on and off --------------------------------


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_legacy_without_slash(debug, server, builds, uploader, home, settings, note):
    settings.DEBUG = debug
    token = make_token(uploader)
    twine7, uv = matrix.CLIENTS["twine-7.0.0"], matrix.CLIENTS["uv-0.13.8"]
    write_pypirc(home, f"{server}/legacy", token)

    result = twine(twine7, server, token, builds["ct-oldmeta"].files, style="pypirc", home=home)
    assert result.returncode == 0, result
    assert "RedirectDetected" not in result.text and "Retrying" not in result.text

    env = env_of(uv, home)
    env.update(UV_PUBLISH_URL=f"{server}/legacy", UV_PUBLISH_TOKEN=token)
    result = clients.run([uv.bin / "uv", "publish", "--no-cache", *builds["ct-poetry"].files], env=env)
    assert result.returncode == 0, result
    assert uploaded(["ct-oldmeta", "ct-poetry"]) == {p.name for p in files_of(builds, ["ct-oldmeta", "ct-poetry"])}
    note("twine 7.0.0 and uv publish to /legacy (no slash), DEBUG " + ("on" if debug else "off"))


# -- uv publish -----------------------------------------------------------------


def test_uv_publish(server, builds, uploader, home, note):
    client = matrix.CLIENTS["uv-0.13.8"]
    token = make_token(uploader)
    env = env_of(client, home)
    env.update(UV_PUBLISH_URL=f"{server}/legacy/", UV_PUBLISH_TOKEN=token)
    files = files_of(builds, ["ct-hatchling", "ct-flit"])

    result = clients.run([client.bin / "uv", "publish", "--no-cache", *files], env=env)

    assert result.returncode == 0, result
    for path in files:
        assert f"Uploading {path.name}" in result.text, result
    assert uploaded(["ct-hatchling", "ct-flit"]) == {p.name for p in files}

    # --check-url: files already there (same hashes) are skipped through the simple API.
    result = clients.run(
        [client.bin / "uv", "publish", "--no-cache", "--check-url", f"{server}/simple/", *files], env=env
    )
    assert result.returncode == 0, result
    for path in files:
        assert f"File {path.name} already exists, skipping" in result.text, result

    rebuilt = builds["ct-hatchling"].rebuilt
    refused = clients.run([client.bin / "uv", "publish", "--no-cache", rebuilt], env=env)
    assert refused.returncode == 2, refused
    message = reuse_message(rebuilt.name, blake2(rebuilt), server)
    assert f"cause: Server returned status code 400 Bad Request. Server says: {message}" in refused.text, refused
    note("config: UV_PUBLISH_URL and UV_PUBLISH_TOKEN; --check-url skips existing files")


# -- hatch publish ----------------------------------------------------------------


def test_hatch_publish(server, builds, uploader, home, tmp_path, note):
    client = matrix.CLIENTS["hatch-1.18.2"]
    token = make_token(uploader)
    env = env_of(client, home)
    env.update(HATCH_INDEX_REPO=f"{server}/legacy/", HATCH_INDEX_USER="__token__", HATCH_INDEX_AUTH=token)
    project = tmp_path / "ct-hatchling"
    shutil.copytree(builds["ct-hatchling"].source, project)
    (project / "dist").mkdir()
    for path in builds["ct-hatchling"].files:
        shutil.copy(path, project / "dist")
    hatch = [client.bin / "hatch", "--no-color", "--no-interactive", "publish"]

    result = clients.run(hatch, env=env, cwd=project)

    assert result.returncode == 0, result
    for path in builds["ct-hatchling"].files:
        assert f"dist/{path.name} ... success" in result.text, result
    # The address hatch prints for the release leads to its page here.
    assert f"{server}/legacy/ct-hatchling/1.0/" in result.text, result
    assert uploaded(["ct-hatchling"]) == {p.name for p in builds["ct-hatchling"].files}

    # hatch reads <upload URL>/+simple/<name>/ (it takes any index but PyPI for devpi)
    # and skips what is there, even a rebuild with other bytes.
    shutil.copy(builds["ct-hatchling"].rebuilt, project / "dist")
    result = clients.run(hatch, env=env, cwd=project)
    assert result.returncode == 0, result
    for path in builds["ct-hatchling"].files:
        assert f"dist/{path.name} ... already exists" in result.text, result
    note("config: HATCH_INDEX_REPO/USER/AUTH; skips existing files through /legacy/+simple/")


# -- flit publish -------------------------------------------------------------------


def test_flit_publish(server, builds, uploader, home, tmp_path, note):
    client = matrix.CLIENTS["flit-4.2.0"]
    token = make_token(uploader)
    env = env_of(client, home)
    write_pypirc(home, f"{server}/legacy/", token)
    project = tmp_path / "ct-flit"
    shutil.copytree(builds["ct-flit"].source, project)
    flit = [client.bin / "flit", "publish", "--repository", "ctindex"]

    result = clients.run(flit, env=env, cwd=project)

    assert result.returncode == 0, result
    assert "Uploading dist/ct_flit-1.0-py3-none-any.whl" in result.text, result
    assert "Uploading dist/ct_flit-1.0.tar.gz" in result.text, result
    assert uploaded(["ct-flit"]) == {"ct_flit-1.0-py3-none-any.whl", "ct_flit-1.0.tar.gz"}

    # flit builds again on every publish: a changed source under the same version is refused.
    (project / "ct_flit" / "__init__.py").write_text('"""ct-flit, changed."""\n\nVERSION = "1.0"\nMARK = "b"\n')
    refused = clients.run(flit, env=env, cwd=project)
    assert refused.returncode == 1, refused
    wheel = project / "dist" / "ct_flit-1.0-py3-none-any.whl"
    message = reuse_message(wheel.name, blake2(wheel), server)
    assert f"400 Client Error: {message} for url: {server}/legacy/" in refused.text, refused
    note("config: .pypirc named repository; flit builds on each publish")


# -- poetry publish ---------------------------------------------------------------------


def poetry_env(client, home, server, token):
    env = env_of(client, home)
    env.update(
        POETRY_REPOSITORIES_CTINDEX_URL=f"{server}/legacy/",
        POETRY_HTTP_BASIC_CTINDEX_USERNAME="__token__",
        POETRY_HTTP_BASIC_CTINDEX_PASSWORD=token,
        POETRY_NO_INTERACTION="1",
        POETRY_VIRTUALENVS_CREATE="false",
    )
    return env


def test_poetry_publish(server, builds, uploader, home, tmp_path, note):
    client = matrix.CLIENTS["poetry-2.5.1"]
    token = make_token(uploader)
    env = poetry_env(client, home, server, token)
    project = tmp_path / "ct-poetry"
    shutil.copytree(builds["ct-poetry"].source, project)
    poetry = [client.bin / "poetry", "--no-ansi", "--no-interaction", "publish", "--build", "-r", "ctindex"]

    result = clients.run(poetry, env=env, cwd=project)

    assert result.returncode == 0, result
    assert "Publishing ct-poetry (1.0) to ctindex" in result.text, result
    assert "Uploading ct_poetry-1.0-py3-none-any.whl 100%" in result.text, result
    assert "Uploading ct_poetry-1.0.tar.gz 100%" in result.text, result
    assert uploaded(["ct-poetry"]) == {"ct_poetry-1.0-py3-none-any.whl", "ct_poetry-1.0.tar.gz"}

    # A release job run again from a fresh checkout, with a change: poetry builds other bytes.
    shutil.rmtree(project / "dist")
    (project / "ct_poetry" / "__init__.py").write_text('"""ct-poetry, changed."""\n\nVERSION = "1.0"\nMARK = "b"\n')
    refused = clients.run(poetry, env=env, cwd=project)
    assert refused.returncode == 1, refused
    sdist = project / "dist" / "ct_poetry-1.0.tar.gz"
    wheel = project / "dist" / "ct_poetry-1.0-py3-none-any.whl"
    first = wheel if "Uploading ct_poetry-1.0-py3-none-any.whl" in refused.text else sdist
    message = reuse_message(first.name, blake2(first), server)
    # poetry prints the reason phrase, then the body.
    assert f'HTTP Error 400: {message} | b"{message}\\n"' in refused.text, refused
    note("config: POETRY_REPOSITORIES_* and POETRY_HTTP_BASIC_* variables; --build on each publish")


# -- pdm publish -------------------------------------------------------------------------


def test_pdm_publish(server, builds, uploader, home, tmp_path, note):
    client = matrix.CLIENTS["pdm-2.29.3"]
    token = make_token(uploader)
    env = env_of(client, home)
    env.update(PDM_CHECK_UPDATE="false", PDM_NON_INTERACTIVE="1")
    project = tmp_path / "ct-setuptools"
    shutil.copytree(builds["ct-setuptools"].source, project)
    (project / "dist").mkdir()
    for path in builds["ct-setuptools"].files:
        shutil.copy(path, project / "dist")
    pdm = [client.bin / "pdm", "publish", "--no-build", "-r", f"{server}/legacy/", "-u", "__token__", "-P", token]

    result = clients.run(pdm, env=env, cwd=project)

    assert result.returncode == 0, result
    for path in builds["ct-setuptools"].files:
        assert f"Uploading {path.name}" in result.text, result
    assert uploaded(["ct-setuptools"]) == {p.name for p in builds["ct-setuptools"].files}

    rebuilt = builds["ct-setuptools"].rebuilt
    shutil.copy(rebuilt, project / "dist")
    # pdm prints the status line and the debug log it wrote, which holds the server's message.
    refused = clients.run(pdm, env=env, cwd=project)
    assert refused.returncode == 1, refused
    assert f"[PublishError]: Client error '400 Bad Request' for url '{server}/legacy/'" in refused.text, refused
    log = re.search(r"See (\S+) for detailed debug log", refused.output).group(1)
    assert reuse_message(rebuilt.name, blake2(rebuilt), server) in Path(log).read_text(), refused
    # --skip-existing recognises the refusal ("already exists") and goes on.
    skipped = clients.run([*pdm, "--skip-existing"], env=env, cwd=project)
    assert skipped.returncode == 0, skipped
    assert File.objects.get(filename=rebuilt.name).blake2_256_digest == blake2(builds["ct-setuptools"].wheel)
    note("config: command-line flags (-r URL -u -P); on a refusal pdm prints only the status, the message is in the debug log it names; --skip-existing works")


# -- installers ------------------------------------------------------------------


@pytest.fixture
def published(server, builds, uploader, home):
    """Every build uploaded (with the project's own twine)."""
    env = clients.clean_env(home)
    result = clients.twine_upload(server, files_of(builds, METADATA_2_5), password=make_token(uploader), env=env)
    assert result.returncode == 0, result
    return builds


def target_venv(path, *backends):
    """An empty environment, with the given build backends importable (as after `pip install setuptools`)."""
    python = clients.fresh_venv(path, env=clients.clean_env(path.parent))
    site = next((path / "lib").glob("python3*/site-packages"))
    (site / "matrix-backends.pth").write_text("".join(f"{matrix.ensure(b).site_packages}\n" for b in backends))
    return python


def require_hashes_file(path, build):
    lines = [f"{build.name}==1.0"] + [f"--hash=sha256:{hashlib.sha256(f.read_bytes()).hexdigest()}" for f in build.files]
    path.write_text(" \\\n    ".join(lines) + "\n")
    return path


def pip(client, python, server, *args, env):
    """The client's pip, run by the target interpreter (what pip's own --python does, for every pip version)."""
    pip_dir = matrix.ensure(client).site_packages / "pip"
    return clients.run(
        [python, pip_dir, "install", "--no-cache-dir", "--index-url", f"{server}/simple/", *args], env=env
    )


def uv_pip(client, python, server, *args, env):
    return clients.run(
        [matrix.ensure(client).bin / "uv", "pip", "install", "--no-cache", "--python", python,
         "--index-url", f"{server}/simple/", *args],
        env=env,
    )


INSTALLERS = ["pip-26.3", "pip-23.3.2", "pip-21.3.1", "uv-0.13.8"]


@pytest.mark.parametrize("client_id", INSTALLERS)
def test_installs(client_id, server, published, tmp_path, home, note):
    client = matrix.CLIENTS[client_id]
    env = clients.clean_env(home)
    install = uv_pip if client.name == "uv" else pip
    setuptools = matrix.CLIENTS["setuptools-80.9.0"]

    def installed(result, *names):
        assert result.returncode == 0, result
        if client.name == "uv":
            for name in names:
                assert f" + {name}==1.0" in result.text, result
        else:
            assert "Successfully installed " + " ".join(f"{n}-1.0" for n in sorted(names)) in result.text, result

    # A wheel.
    python = target_venv(tmp_path / "wheel")
    installed(install(client, python, server, "ct-hatchling", env=env), "ct-hatchling")
    assert clients.installed_versions(python, "ct_hatchling", env=env) == {"ct_hatchling": "1.0"}

    # The sdist, built by the backend installed in the environment (--no-build-isolation).
    python = target_venv(tmp_path / "sdist", setuptools)
    result = install(client, python, server, "--no-build-isolation", "--no-binary", "ct-setuptools", "ct-setuptools",
                     env=env)
    installed(result, "ct-setuptools")
    wheels = [p.name for p in (tmp_path / "sdist").rglob("ct_setuptools-1.0.dist-info")]
    assert wheels, "ct-setuptools is installed"

    # Extras pull in their dependencies.
    python = target_venv(tmp_path / "extras")
    installed(install(client, python, server, "ct-setuptools[fast]", env=env), "ct-setuptools", "ct-flit")
    assert clients.installed_versions(python, "ct_setuptools", "ct_flit", env=env) == {
        "ct_setuptools": "1.0",
        "ct_flit": "1.0",
    }

    # --require-hashes with the hashes of the files as built.
    python = target_venv(tmp_path / "hashes")
    requirements = require_hashes_file(tmp_path / "requirements.txt", published["ct-poetry"])
    installed(install(client, python, server, "--require-hashes", "-r", requirements, env=env), "ct-poetry")
    note("wheel, sdist with --no-build-isolation, extras, --require-hashes")


def test_pip_download(server, published, tmp_path, home, note):
    client = matrix.CLIENTS["pip-26.3"]
    env = clients.clean_env(home)
    result = clients.run(
        [matrix.ensure(client).bin / "python", "-m", "pip", "download", "--no-cache-dir",
         "--index-url", f"{server}/simple/", "-d", tmp_path / "downloads", "ct-setuptools[fast]==1.0"],
        env=env,
    )
    assert result.returncode == 0, result
    assert "Successfully downloaded ct-setuptools ct-flit" in result.text, result
    assert sorted(p.name for p in (tmp_path / "downloads").iterdir()) == [
        published["ct-flit"].wheel.name,
        published["ct-setuptools"].wheel.name,
    ]
    note("pip download with an extra's dependencies")


def poetry_app(project, server):
    project.mkdir()
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [project]
            name = "ct-app"
            version = "0.1"
            requires-python = ">=3.9"
            dependencies = ["ct-setuptools[fast]>=1.0", "ct-poetry"]

            [[tool.poetry.source]]
            name = "ctindex"
            url = "{server}/simple/"
            priority = "primary"

            [build-system]
            requires = ["poetry-core>=2"]
            build-backend = "poetry.core.masonry.api"
            """
        )
    )
    return project


def test_poetry_lock(server, published, tmp_path, home, note):
    client = matrix.CLIENTS["poetry-2.5.1"]
    env = env_of(client, home)
    env.update(POETRY_NO_INTERACTION="1", POETRY_VIRTUALENVS_CREATE="false")
    project = poetry_app(tmp_path / "app", server)
    result = clients.run([client.bin / "poetry", "--no-ansi", "lock"], env=env, cwd=project)
    assert result.returncode == 0, result
    assert "Writing lock file" in result.text, result
    lock = (project / "poetry.lock").read_text()
    for name in ("ct-setuptools", "ct-flit", "ct-poetry"):
        assert f'name = "{name}"' in lock
    for path in files_of(published, ["ct-setuptools", "ct-poetry"]):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in lock
    note("poetry lock resolves from the simple API, hashes included")


def test_poetry_reads_private_projects_with_http_basic(server, published, tmp_path, home, uploader, note):
    from packages.index.rendering import project_changed
    from packages.models import Project
    from tokens.services import token_create

    for name in ("ct-setuptools", "ct-flit", "ct-poetry"):
        Project.objects.filter(normalized_name=name).update(private=True)
        project_changed(name=name, index=True)
    token, raw = token_create(user=uploader, name="poetry read", projects=["ct-setuptools", "ct-flit", "ct-poetry"])
    token.can_read, token.can_upload = True, False
    token.save()
    client = matrix.CLIENTS["poetry-2.5.1"]
    env = env_of(client, home)
    env.update(POETRY_NO_INTERACTION="1", POETRY_VIRTUALENVS_CREATE="false")
    project = poetry_app(tmp_path / "app", server)

    anonymous = clients.run([client.bin / "poetry", "--no-ansi", "lock"], env=env, cwd=project)
    assert anonymous.returncode != 0, anonymous

    env.update(POETRY_HTTP_BASIC_CTINDEX_USERNAME="__token__", POETRY_HTTP_BASIC_CTINDEX_PASSWORD=raw)
    result = clients.run([client.bin / "poetry", "--no-ansi", "lock"], env=env, cwd=project)
    assert result.returncode == 0, result
    lock = (project / "poetry.lock").read_text()
    for path in files_of(published, ["ct-setuptools", "ct-poetry"]):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in lock
    note("private projects: poetry lock with POETRY_HTTP_BASIC_* and a read token")
