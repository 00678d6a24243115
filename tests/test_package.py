"""The installed distribution is one import package, `dlcalc`, and nothing else at the top level.

The tests import the installed `dlcalc` (the repository has no `dlcalc/` folder), so they test what a
user gets; these check the package itself: its file list, that every module imports from anywhere,
and that no source file still uses the generic top-level names `cli`, `calc` or `problems`.
"""
from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import dlcalc

ROOT = Path(__file__).resolve().parents[1]
GENERIC = {"cli", "calc", "problems"}


def _top_levels(paths) -> set[str]:
    return {str(p).replace("\\", "/").split("/")[0] for p in paths}


def _editable(dist: metadata.Distribution) -> bool:
    text = dist.read_text("direct_url.json")
    return bool(text and json.loads(text).get("dir_info", {}).get("editable"))


def _installed() -> metadata.Distribution:
    """The distribution pip installed (it writes INSTALLER), not the dlcalc.egg-info a build leaves in
    the checkout, which the current directory on sys.path would find first."""
    found = [d for d in metadata.distributions(name="dlcalc") if d.read_text("INSTALLER")]
    assert len(found) == 1, f"{len(found)} installed dlcalc distributions"
    return found[0]


def test_the_installed_distribution_holds_only_the_dlcalc_package(tmp_path):
    dist = _installed()
    if not _editable(dist):
        files = dist.files or []
        assert files, "the installed distribution lists no files"
        # `..` is the console script in the environment's bin/ (outside site-packages)
        assert _top_levels(files) - {".."} == {"dlcalc", f"dlcalc-{dist.version}.dist-info"}
        assert any(str(f).replace("\\", "/") == "dlcalc/problems/library/lecture12-losses.yaml" for f in files)
        return
    # an editable (developer) install maps the sources in place: check the wheel a user would get instead,
    # built from a copy so that no build/ is left in the checkout (a later `pip install .` would reuse it)
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("dlcalc-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"dlcalc", f"dlcalc-{dist.version}.dist-info"}
    assert "dlcalc/problems/library/lecture12-losses.yaml" in names


def test_every_module_imports_from_an_empty_directory(tmp_path):
    # -I: no current directory, PYTHONPATH or user site on sys.path, so a leftover `import calc` fails here
    code = ("import importlib, pkgutil\n"
            "names = []\n"
            "for top in ('dlcalc.calc', 'dlcalc.problems', 'dlcalc.cli'):\n"
            "    package = importlib.import_module(top)\n"
            "    names += [m.name for m in pkgutil.walk_packages(package.__path__, top + '.') "
            "if not m.name.endswith('__main__')]\n"
            "for name in names:\n"
            "    importlib.import_module(name)\n"
            "print(len(names))\n")
    r = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) > 40  # every kind, command and renderer module was found and imported


def test_python_dash_m_dlcalc_runs_the_app(tmp_path):
    r = subprocess.run([sys.executable, "-I", "-m", "dlcalc", "mse", "-t", "1 2", "-y", "1.5 2", "-q"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "loss = 0.125"  # ((1 − 1.5)² + 0²) / 2
    r = subprocess.run([sys.executable, "-I", "-m", "dlcalc", "--version"], cwd=tmp_path, capture_output=True,
                       text=True)
    assert r.stdout.strip() == f"dlcalc {metadata.version('dlcalc')}"


def _imported_modules(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):  # code run in a subprocess
            for line in node.value.splitlines():
                words = line.split()
                if len(words) >= 2 and words[0] in ("from", "import"):
                    yield words[1]


def test_no_source_file_imports_a_generic_top_level_name():
    offenders = []
    for path in sorted(ROOT.glob("**/*.py")):
        if any(part in (".venv", "build", ".git") or part.startswith(".") for part in path.relative_to(ROOT).parts):
            continue
        for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            if module.split(".")[0] in GENERIC:
                offenders.append(f"{path.relative_to(ROOT)}: {module}")
    assert not offenders


def test_the_api_is_the_package_itself():
    assert {"solve", "solve_file", "Solution", "BadInput"} <= set(dlcalc.__all__)
    assert dlcalc.BadInput is __import__("dlcalc.calc.errors", fromlist=["BadInput"]).BadInput
