"""Print the README's compatibility table from the client matrix's last run.

    make clients-table        (after `CLIENTS=1 make test` or a run of tests/e2e/test_clients.py)

One row per client of clients.txt; a client whose environment could not be
made, or that no test ran, says so instead of being left out.
"""

import json
from collections import defaultdict

from . import matrix

ROLES = {"upload": "upload", "install": "install", "both": "upload + install", "build": "build backend"}

# The clients of the tests that are not parametrized by client.
TEST_CLIENTS = {
    "test_legacy_without_slash": ["twine-7.0.0", "uv-0.13.8"],
    "test_uv_publish": ["uv-0.13.8"],
    "test_hatch_publish": ["hatch-1.18.2"],
    "test_flit_publish": ["flit-4.2.0"],
    "test_poetry_publish": ["poetry-2.5.1"],
    "test_pdm_publish": ["pdm-2.29.3"],
    "test_pip_download": ["pip-26.3"],
    "test_poetry_lock": ["poetry-2.5.1"],
}


def rows():
    results = json.loads(matrix.RESULTS.read_text()) if matrix.RESULTS.exists() else {}
    by_client = defaultdict(list)
    for test, result in sorted(results.items()):
        for client_id in TEST_CLIENTS.get(result["client"], [result["client"]]):
            by_client[client_id].append((test, result))
    for client in matrix.CLIENTS.values():
        runs = by_client.get(client.id, [])
        if client.role == "build":
            status = "works" if results else "not run"
            notes = "builds " + ", ".join(
                name for name, (backend, _, _) in _backends().items() if backend == client.id
            )
        elif (client.path / ".failed").exists():
            status, notes = "cannot be installed here", ""
        elif not runs:
            status, notes = "not run", ""
        else:
            failed = [t.split("::")[-1] for t, r in runs if r["outcome"] != "passed"]
            status = "works" if not failed else "FAILS: " + ", ".join(failed)
            notes = "; ".join(dict.fromkeys(n for _, r in runs for n in r["note"].split("; ") if n))
        yield client, status, notes


def _backends():
    from . import projects

    return projects.BACKENDS


def table():
    lines = ["| client | version | upload/install | result | notes |", "|---|---|---|---|---|"]
    for client, status, notes in rows():
        lines.append(f"| {client.name} | {client.version} | {ROLES[client.role]} | {status} | {notes} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
