"""What a wheel carries: every package, the schemas, and the example vault that
`vault-tools init --example` copies, whatever folder the package is installed in."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_list_names_every_package() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = {
        ".".join(folder.relative_to(ROOT).parts)
        for folder in (ROOT / "vault_tools").rglob("*")
        if (folder / "__init__.py").is_file()
    } | {"vault_tools"}
    assert set(setuptools["packages"]) == found | {"vault_tools.example_vault"}
    assert setuptools["package-dir"] == {"vault_tools.example_vault": "example_vault"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the sources (a build writes build/ where it runs)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("vault_tools", "example_vault"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    folder = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation"]
        + ["--quiet", "--wheel-dir", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if built.returncode != 0 and "No module named" in built.stderr:
        pytest.skip(f"cannot build a wheel here: {built.stderr.strip()[-200:]}")
    assert built.returncode == 0, built.stderr
    (found,) = folder.glob("vault_tools-*.whl")
    return found


def test_the_wheel_carries_the_example_vault_and_the_schemas(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    example = {
        "vault_tools/example_vault/" + path.relative_to(ROOT / "example_vault").as_posix()
        for path in (ROOT / "example_vault").rglob("*")
        if path.is_file()
    }
    assert example <= names, sorted(example - names)
    assert {f"vault_tools/schema/{kind}.schema.json" for kind in ("contact", "interview")} <= names


def test_init_example_from_an_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    target = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-m", "vault_tools", "init", str(target), "--example"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(installed)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    copied = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    source = sorted(
        p.relative_to(ROOT / "example_vault").as_posix()
        for p in (ROOT / "example_vault").rglob("*")
        if p.is_file()
    )
    assert copied == source
    check = subprocess.run(
        [sys.executable, "-m", "vault_tools", "index", str(target), "--check"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(installed)},
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
