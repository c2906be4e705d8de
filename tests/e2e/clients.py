"""The real clients, run as a user runs them: build, twine, uv, pip, in fresh environments.

Every subprocess gets an explicit environment: no pip or uv configuration of
this machine (its extra indexes, find-links, caches) and no keyring, so what
installs comes from the index under test and nowhere else.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

BIN = Path(sys.executable).parent  # the project's .venv/bin: build, twine and uv are installed there
TIMEOUT = 180


def clean_env(home):
    """A minimal environment for the clients, isolated from the machine's configuration."""
    return {
        "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        # Terminal output on one line per message, no colours: twine uses rich.
        "COLUMNS": "1000",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "PYTHONUTF8": "1",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INPUT": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "UV_NO_CONFIG": "1",
        "UV_NO_PROGRESS": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        # One request at a time: the live server shares one SQLite connection between threads.
        "UV_CONCURRENT_DOWNLOADS": "1",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "XDG_CONFIG_HOME": str(Path(home) / ".config"),
        "XDG_CACHE_HOME": str(Path(home) / ".cache"),
    }


class Result:
    def __init__(self, completed):
        self.returncode = completed.returncode
        self.output = completed.stdout
        # twine wraps and indents; one space between words makes messages comparable.
        self.text = " ".join(completed.stdout.split())

    def __repr__(self):
        return f"<exit {self.returncode}>\n{self.output}"


def run(args, *, env, cwd=None, timeout=TIMEOUT):
    completed = subprocess.run(
        [str(a) for a in args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    return Result(completed)


# -- building -----------------------------------------------------------------


def write_project(root, name, version, *, dependencies=(), mark="", summary=None):
    """A tiny hatchling project whose module records its version (and `mark`, to vary the bytes)."""
    module = name.replace("-", "_")
    root = Path(root)
    (root / module).mkdir(parents=True, exist_ok=True)
    (root / module / "__init__.py").write_text(f'VERSION = "{version}"\nMARK = "{mark}"\n')
    (root / "README.md").write_text(f"# {name}\n\nA package built by the end-to-end suite.\n")
    deps = ", ".join(f'"{d}"' for d in dependencies)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [project]
            name = "{name}"
            version = "{version}"
            description = "{summary or f'{name}, an end-to-end test package'}"
            readme = "README.md"
            requires-python = ">=3.8"
            license = "MIT"
            dependencies = [{deps}]

            [tool.hatch.build.targets.wheel]
            packages = ["{module}"]
            """
        )
    )
    return root


def build(source, outdir, *, env):
    """`python -m build --no-isolation`: the sdist and the wheel, with the backend from .venv."""
    result = run([BIN / "python", "-m", "build", "--no-isolation", "--outdir", outdir, source], env=env)
    assert result.returncode == 0, result
    return sorted(Path(outdir).iterdir())


# -- uploading ----------------------------------------------------------------


def twine_upload(site_url, files, *, password, username="__token__", env):
    return run(
        [
            BIN / "twine",
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository-url",
            f"{site_url}/legacy/",
            "-u",
            username,
            "-p",
            password,
            *files,
        ],
        env=env,
    )


def uv_publish(site_url, files, *, token, env):
    return run(
        [BIN / "uv", "publish", "--no-cache", "--publish-url", f"{site_url}/legacy/", "--token", token, *files],
        env=env,
    )


# -- installing ---------------------------------------------------------------


def fresh_venv(path, *, env):
    """An empty virtual environment (no pip inside: pip installs into it with --python)."""
    result = run([sys.executable, "-m", "venv", "--without-pip", path], env=env)
    assert result.returncode == 0, result
    return Path(path) / "bin" / "python"


def pip_install(site_url, python, *requirements, env):
    return run(
        [
            BIN / "python",
            "-m",
            "pip",
            "--isolated",
            "--python",
            python,
            "install",
            "-v",
            "--no-cache-dir",
            "--index-url",
            f"{site_url}/simple/",
            *requirements,
        ],
        env=env,
    )


def uv_pip_install(site_url, python, *requirements, env):
    return run(
        [
            BIN / "uv",
            "pip",
            "install",
            "--no-cache",
            "--python",
            python,
            "--index-url",
            f"{site_url}/simple/",
            *requirements,
        ],
        env=env,
    )


def installed_versions(python, *modules, env):
    """{module: VERSION} as the environment's own interpreter imports them."""
    code = "; ".join(f"import {m}" for m in modules) + "; print(" + ", ".join(f"{m}.VERSION" for m in modules) + ")"
    result = run([python, "-c", code], env=env)
    assert result.returncode == 0, result
    return dict(zip(modules, result.output.split()))
