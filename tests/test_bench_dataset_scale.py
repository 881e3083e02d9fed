"""The dataset-scale memory benchmark runs on a small memmap and prints every measurement."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEASUREMENTS = [
    "plain skorch fit",
    "AIGNScorer(mode='train')",
    "AIGNScorer(mode='eval')",
    "TrainingDynamics(keep_outputs=False)",
    "plain skorch fit (again)",
]


def test_dataset_scale_benchmark_prints_every_measurement():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_dataset_scale.py"), "--quick",
         "--threads", "1"],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    out = result.stdout
    n = int(re.search(r"^dataset: (\d+) images 3x16x16 uint8", out, re.M).group(1))
    file_bytes = int(re.search(r"^memmap file images\.npy: (\d+) bytes", out, re.M).group(1))
    assert file_bytes >= n * 3 * 16 * 16  # the images, plus the .npy header

    measured = re.findall(r"^  (.+?) +peak RSS (\d+\.\d) MiB .*train loss (\d+\.\d+)", out, re.M)
    assert [label for label, _, _ in measured[:5]] == MEASUREMENTS
    assert all(float(peak) > 0 for _, peak, _ in measured[:5])
    # Recording reads the same batches in the same order: the training itself is unchanged.
    assert len({loss for _, _, loss in measured[:5]}) == 1

    scored = re.findall(r"scored (\d+) of (\d+) samples, recorded epochs \[1\]", out)
    assert scored == [(str(n), str(n))] * 3  # train, eval, dynamics: every sample scored
    assert f"EL2N for {n}," in out

    extras = re.findall(r"^  (.+?) +peak RSS [+-]\d+\.\d MiB \(\d+\.\d+x\).*expected per-sample "
                        r"buffers (\d+) B x (\d+) = .* dataset on disk", out, re.M)
    assert [label for label, _, _ in extras] == MEASUREMENTS[1:]
    assert all(int(count) == n for _, _, count in extras)
    assert [int(b) > 0 for _, b, _ in extras] == [True, True, True, False]  # plain has none
