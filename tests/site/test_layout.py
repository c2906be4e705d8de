"""Imports point one way: packages -> tokens -> organizations -> mfa -> accounts, and no app imports the site.

The site (indexsite/) composes the apps: it may import any of them, while each
app knows only the apps below it. What the site needs to hear from an app (a
security event, a rate-limit refusal, a fast-path hit) the app announces through
a signal or a callable the site attaches (indexsite/metrics.py).
"""

import ast
from pathlib import Path

from django.conf import settings

TOWER = ("accounts", "mfa", "organizations", "tokens", "packages")  # each may import only those before it


def our_packages(root):
    """Every Python package at the top of the project (an app, the site, anything else of ours)."""
    return {path.parent.name for path in root.glob("*/__init__.py")}


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_each_app_imports_only_the_apps_below_it_and_never_the_site():
    root = Path(settings.BASE_DIR)
    ours = our_packages(root)
    wrong = []
    for height, app in enumerate(TOWER):
        allowed = {app, *TOWER[:height]}
        for path in sorted((root / app).rglob("*.py")):
            for module in imported_modules(path):
                top = module.split(".")[0]
                if top in ours and top not in allowed:
                    wrong.append(f"{path.relative_to(root)} imports {module}")
    assert not wrong, wrong


def test_the_project_is_the_tower_the_site_and_its_tests():
    root = Path(settings.BASE_DIR)
    assert our_packages(root) == {*TOWER, "indexsite", "tests"}
    installed = {entry.split(".")[0] for entry in settings.INSTALLED_APPS}
    assert installed & our_packages(root) == {*TOWER, "indexsite"}
