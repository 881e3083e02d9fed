"""The README's code runs as written and prints what the README says it prints."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _blocks():
    text = (ROOT / "README.md").read_text()
    # every python block, with the text that follows it up to the next heading
    pieces = re.split(r"```python\n(.*?)```", text, flags=re.S)
    return [(pieces[i], pieces[i + 1].split("\n## ")[0]) for i in range(1, len(pieces), 2)]


def _numbers(text):
    return [float(v) for v in re.findall(r"\d+\.\d+", text)]


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_readme_block_prints_what_the_readme_says(index, tmp_path):
    code, after = _blocks()[index]
    (tmp_path / "block.py").write_text(code)
    # the README's numbers are for two threads (they move by a few points on one)
    env = {**os.environ, **{f"{lib}_NUM_THREADS": "2" for lib in ("OMP", "MKL", "OPENBLAS")}}
    done = subprocess.run([sys.executable, "block.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    if "\nprints `" in "\n" + after or after.startswith("\nprints `"):
        claimed = re.search(r"prints `(.*?)`", after, flags=re.S).group(1)
    else:
        claimed = re.search(r"```\n(.*?)```", after, flags=re.S).group(1)
    printed = done.stdout.strip()
    # the same lines and words; numbers equal up to float summation order (thread counts)
    assert re.sub(r"\d+\.\d+", "#", printed) == re.sub(r"\d+\.\d+", "#", claimed.strip())
    assert _numbers(printed) == pytest.approx(_numbers(claimed), abs=0.02)
