"""The README's code runs as written, prints what the README shows, and its prose's claims hold.

The README's numbers are one machine's example: another CPU, ``ATEN_CPU_CAPABILITY`` or
thread count prints other digits (a small-coreset model moved by up to 0.14 between CPUs).
So the printed text is compared in its format (the same lines and words, a number with as
many decimals where the README has one), and the claims the prose makes are checked on what
this machine printed; the digits are never pinned.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NUMBER = r"\d+\.\d+"


def _blocks():
    text = (ROOT / "README.md").read_text()
    # every python block, with the text that follows it up to the next heading
    pieces = re.split(r"```python\n(.*?)```", text, flags=re.S)
    return [(pieces[i], pieces[i + 1].split("\n## ")[0]) for i in range(1, len(pieces), 2)]


def _shape(text):
    """The text with every number replaced by its number of decimals: ``0.509`` -> ``<3>``."""
    return re.sub(NUMBER, lambda m: f"<{len(m.group().split('.')[1])}>", text.strip())


def _claimed(after):
    """What the prose after a block says it prints: the first code span or block after "prints"."""
    text = after[after.index("prints"):]
    found = [m for m in (re.search(r"```\n(.*?)```", text, flags=re.S),
                         re.search(r"(?<!`)`([^`\n]+)`(?!`)", text)) if m]
    return min(found, key=lambda m: m.start()).group(1)


def _grid_search_claims(printed):
    # "the fraction whose coresets gave the most robust models ... and its PGD accuracy"
    match = re.fullmatch(r"\{'select__frac': (\S+)\} held-out PGD accuracy (\S+)", printed)
    assert match, printed
    assert float(match.group(1)) in (0.1, 0.3, 0.5)
    assert 0 <= float(match.group(2)) <= 1


def _reports(printed):
    reports = {}
    for chunk in re.split(r"\n(?=\S[^\n]*: \d+ samples)", printed):
        name, n = re.match(r"(.*): (\d+) samples", chunk).groups()
        rows = dict(re.findall(r"^(clean accuracy|fgsm|pgd)\s+(.*)$", chunk, flags=re.M))
        reports[name] = {"n": int(n), "clean": float(rows["clean accuracy"]),
                         **{a: [float(v) for v in rows[a].split()] for a in ("fgsm", "pgd")}}
    return reports


def _robustness_claims(printed):
    reports = _reports(printed)
    assert list(reports) == ["EasyCore 30%", "random 30%", "EasyCore 30% + TRADES"]
    for name, report in reports.items():
        assert report["n"] == 450, name
        for attack in ("fgsm", "pgd"):
            at_05, at_1 = report[attack]
            # "keeps most of its clean accuracy at eps 0.05 and loses more at eps 0.1"
            assert 0.5 * report["clean"] < at_05 <= report["clean"], (name, attack)
            assert at_1 < at_05, (name, attack)
    # "TRADES on the EasyCore coreset is the most robust of the three at eps 0.1"
    pgd = {name: report["pgd"][1] for name, report in reports.items()}
    assert max(pgd, key=pgd.get) == "EasyCore 30% + TRADES", pgd


CLAIMS = {"GridSearchCV": _grid_search_claims, "robustness_report": _robustness_claims}


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_readme_block_prints_what_the_readme_says(index, tmp_path):
    code, after = _blocks()[index]
    (tmp_path / "block.py").write_text(code)
    env = {**os.environ, **{f"{lib}_NUM_THREADS": "2" for lib in ("OMP", "MKL", "OPENBLAS")}}
    done = subprocess.run([sys.executable, "block.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    printed = done.stdout.strip()
    assert _shape(printed) == _shape(_claimed(after))
    checks = [check for word, check in CLAIMS.items() if word in code]
    assert len(checks) == 1, "every README block states claims this test checks"
    checks[0](printed)
    checks[0](_claimed(after).strip())  # the README's own example satisfies them too
