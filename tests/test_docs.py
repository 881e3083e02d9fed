"""The documentation site: its API page lists every public name, and it builds without warnings."""

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.test_docstrings import PUBLIC_MODULES

ROOT = Path(__file__).resolve().parent.parent


def documented_names(api_text):
    """``{(current module, name)}`` for every autosummary entry, ``py:data``, ``py:class`` and
    ``py:function`` of the page."""
    found, module, in_list = set(), None, False
    for line in api_text.splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match.group(1)
        elif match := re.match(r"\.\. py:data:: (\S+)", line):
            found.add((module, match.group(1)))
            in_list = "data"
        elif match := re.match(r"\.\. py:(?:class|function):: (\w+)", line):
            found.add((module, match.group(1)))  # a name documented by hand (a re-export)
            in_list = False
        elif line.startswith(".. autosummary::"):
            in_list = "autosummary"
        elif in_list and line.startswith("   ") and not line.strip().startswith(":"):
            name = line.strip()
            if in_list == "autosummary" and name:
                found.add((module, name))
            elif in_list == "data" and re.fullmatch(r"[A-Z0-9_]+", name):
                found.add((module, name))  # a second name of the same py:data
        elif line and not line.startswith(" "):
            in_list = False
    return found


def test_api_reference_lists_every_public_name():
    entries = documented_names((ROOT / "docs" / "api.rst").read_text())
    objects = {(m, n): getattr(importlib.import_module(m), n) for m, n in entries}
    missing = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if not any(n == name and o is obj for (_, n), o in objects.items()):
                missing.append(f"{module_name}.{name}")
    assert not missing, f"not in docs/api.rst: {missing}"


def test_sphinx_build_has_no_warnings(tmp_path):
    # a copy: autosummary writes its pages beside the sources
    shutil.copytree(ROOT / "docs", tmp_path / "docs",
                    ignore=shutil.ignore_patterns("_build", "generated"))
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(tmp_path / "docs"), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "numpydoc" not in done.stderr, done.stderr  # its malformed-section warnings
    api = (tmp_path / "html" / "api.html").read_text()
    assert "plot_accuracy_vs_eps" in api and "EasyCoreSelector" in api
    page = tmp_path / "html" / "generated" / "sk_easycore.selection.EasyCoreSelector.html"
    assert "Examples" in page.read_text()
    guide = (tmp_path / "html" / "user_guide.html").read_text()
    assert 'href="aign.html"' in guide and 'href="study.html"' in guide
