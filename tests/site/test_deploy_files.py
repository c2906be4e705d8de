"""The shipped production settings (deploy/indexsite.env) pass Django's deployment checks, as `make check-deploy` runs them."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_check_deploy(env_file):
    code = (
        "import environ, os, secrets; "
        f"environ.Env.read_env({str(env_file)!r}, overwrite=True); "
        "os.environ['SECRET_KEY'] = os.environ.get('SECRET_KEY') or secrets.token_urlsafe(50); "
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'indexsite.settings'; "
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    environment = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=60)


def test_the_shipped_production_settings_pass_check_deploy():
    result = run_check_deploy(ROOT / "deploy" / "indexsite.env")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    makefile = (ROOT / "Makefile").read_text()
    assert 'environ.Env.read_env("deploy/indexsite.env", overwrite=True)' in makefile  # the same check


def test_check_deploy_catches_metrics_left_open(tmp_path):
    settings = (ROOT / "deploy" / "indexsite.env").read_text().replace("METRICS_ALLOWED_IPS=127.0.0.1,::1", "")
    (tmp_path / "open.env").write_text(settings)
    result = run_check_deploy(tmp_path / "open.env")
    assert result.returncode != 0 and "indexsite.W001" in result.stderr + result.stdout

    (tmp_path / "typo.env").write_text(settings + "METRICS_ALLOWED_IPS=10.0.0.0/33\n")
    result = run_check_deploy(tmp_path / "typo.env")
    assert result.returncode != 0 and "'10.0.0.0/33' is not an IP address or network" in result.stderr + result.stdout
