"""Every example in examples/ runs at its small size and writes a non-empty PNG."""

import ast
import runpy
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("plot_*.py"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_small_and_writes_its_figure(script, tmp_path, monkeypatch):
    figure = tmp_path / f"{script.stem}.png"
    monkeypatch.setenv("SK_EASYCORE_EXAMPLE_SMALL", "1")
    monkeypatch.setattr(sys, "argv", [str(script), str(figure)])
    with torch.random.fork_rng():  # the examples seed torch's global generator
        runpy.run_path(str(script), run_name="__main__")
    image = matplotlib.image.imread(figure)
    assert image.ndim == 3 and min(image.shape[:2]) >= 300
    assert np.ptp(image[..., :3]) > 0.5  # something is drawn, not a blank canvas
    assert list(tmp_path.iterdir()) == [figure]


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.stem)
def test_example_has_a_gallery_header(script):
    doc = ast.get_docstring(ast.parse(script.read_text()))
    title, underline = doc.splitlines()[:2]
    assert set(underline) == {"="} and len(underline) == len(title)
    # the docs page shows the docstring up to this last paragraph
    assert doc.split("\n\n")[-1] == (
        f"Run ``python examples/{script.name} [figure.png]``; set\n"
        "``SK_EASYCORE_EXAMPLE_SMALL=1`` for a quick, smaller run.")
    docs_page = (script.parent.parent / "docs" / "examples.rst").read_text()
    assert f".. include:: ../examples/{script.name}" in docs_page
    assert f".. example-code:: ../examples/{script.name}" in docs_page
    # the docs show the figure the script wrote at full size (make figures)
    assert f".. image:: _static/examples/{script.stem}.png" in docs_page
    assert (script.parent.parent / "docs" / "_static" / "examples" / f"{script.stem}.png").is_file()


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.stem)
def test_example_code_reads_cleanly_on_the_docs_page(script):
    # Code blocks are 740 px wide on the docs page: 80 characters of DejaVu Sans
    # Mono or Menlo at the theme's size, so a longer line is cut off.
    text = script.read_text()
    long_lines = [n for n, line in enumerate(text.splitlines(), 1) if len(line) > 79]
    assert not long_lines, f"lines longer than 79 characters: {long_lines}"
    # matplotlib picks Agg without a display (MPLBACKEND=Agg forces it): no backend
    # boilerplate, and so no import-order exemptions
    assert "matplotlib.use" not in text and "noqa" not in text
