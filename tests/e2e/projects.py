"""One small test project per build backend of the matrix, each written as its users write it."""

import textwrap
from pathlib import Path

README = "A package built by the client matrix.\n"

# name -> (backend client name, [build-system] table, extra pyproject text)
BACKENDS = {
    "ct-setuptools": (
        "setuptools-80.9.0",
        'requires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"',
        'license = "MIT"\n\n[project.optional-dependencies]\nfast = ["ct-flit"]\n\n'
        '[tool.setuptools]\npackages = ["ct_setuptools"]\n',
    ),
    # setuptools < 69.3, the one Python 3.11's venvs bring: Metadata-Version 2.1 and
    # the old sdist name "ct-oldmeta-1.0.tar.gz".
    "ct-oldmeta": (
        "setuptools-68.2.2",
        'requires = ["setuptools<69.3"]\nbuild-backend = "setuptools.build_meta"',
        'license = {text = "MIT"}\n\n[tool.setuptools]\npackages = ["ct_oldmeta"]\n',
    ),
    "ct-hatchling": (
        "hatchling-1.33.0",
        'requires = ["hatchling"]\nbuild-backend = "hatchling.build"',
        'license = "MIT"\n\n[tool.hatch.build.targets.wheel]\npackages = ["ct_hatchling"]\n',
    ),
    "ct-flit": (
        "flit-core-4.2.0",
        'requires = ["flit_core>=3.12,<5"]\nbuild-backend = "flit_core.buildapi"',
        'license = "MIT"\n\n[tool.flit.module]\nname = "ct_flit"\n',
    ),
    "ct-poetry": (
        "poetry-core-2.5.0",
        'requires = ["poetry-core>=2,<3"]\nbuild-backend = "poetry.core.masonry.api"',
        'license = "MIT"\n\n[tool.poetry]\npackages = [{include = "ct_poetry"}]\n',
    ),
}


def write(root, name, version="1.0", *, mark=""):
    """The project `name` (a key of BACKENDS) at `root`; `mark` changes the module's bytes."""
    _backend, build_system, extra = BACKENDS[name]
    module = name.replace("-", "_")
    root = Path(root)
    (root / module).mkdir(parents=True, exist_ok=True)
    (root / module / "__init__.py").write_text(
        f'"""{name}, a test package of the client matrix."""\n\nVERSION = "{version}"\nMARK = "{mark}"\n'
    )
    (root / "README.md").write_text(f"# {name}\n\n{README}")
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [build-system]
            {{build_system}}

            [project]
            name = "{name}"
            version = "{version}"
            description = "{name}, a test package of the client matrix"
            readme = "README.md"
            requires-python = ">=3.8"
            authors = [{{{{name = "Matrix", email = "matrix@example.com"}}}}]
            {{extra}}"""
        ).format(build_system=build_system, extra=extra)
    )
    return root
