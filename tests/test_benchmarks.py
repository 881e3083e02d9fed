"""The benchmark scripts run and print their ratios (their numbers are for people, not tests)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_aign_overhead_benchmark_prints_every_ratio():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_aign_overhead.py"), "--quick",
         "--threads", "1"],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=600,
    )
    ratios = re.findall(r"ratio (.+?) / plain = (\d+\.\d+)", result.stdout)
    labels = ["input-gradient control", "train-mode AIGN", "eval-mode AIGN"]
    assert [label for label, _ in ratios] == labels * 2  # digits, then ResNet-18
    assert all(float(value) > 0 for _, value in ratios)
    assert "AIGNScorer(mode='train').fit" in result.stdout


def test_gpu_check_runs_quick_on_the_cpu_and_prints_every_ratio():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--quick", "--threads", "1"],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=600,
    )
    ratios = re.findall(r"(standard training|TRADES training|PGD-AT training|PGD-3 attack) "
                        r".*ratio library / torch = (\d+\.\d+)", result.stdout)
    assert [name for name, _ in ratios] == ["standard training", "TRADES training",
                                            "PGD-AT training", "PGD-3 attack"]
    assert all(float(value) > 0 for _, value in ratios)


def test_loader_benchmark_checks_its_batches_and_prints_the_ratio():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_loader.py"), "--quick"],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=600,
    )
    ratio = re.search(r"ratio DataLoader / DeviceLoader = (\d+\.\d+)", result.stdout)
    assert ratio and float(ratio.group(1)) > 0


def test_device_check_runs_quick_on_the_cpu_and_writes_its_figures(tmp_path):
    # speed_fp32 runs the same gpu_check.measure as the test above: bf16 + the study here
    out = tmp_path / "device"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "device_check.py"), "--quick", "--threads",
         "1", "--sections", "speed_bf16_cl,study", str(out)],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=600,
    )
    import json

    figures = json.loads((out / "device_check.json").read_text())
    assert figures["machine"]["torch"] == __import__("torch").__version__
    speed = figures["sections"]["speed_bf16_cl"]
    assert speed["status"] == "ok" and speed["bf16"] and speed["channels_last"]
    assert all(speed[name]["ratio"] > 0 for name in ("standard", "trades", "pgd"))
    study = figures["sections"]["study"]
    assert study["status"] == "ok"
    assert study["identical"] is True and study["differing_cells"] == []
    assert study["serial_s"] > 0 and study["throughput_gain"] > 0
    assert "identical records: True" in (out / "device_check.log").read_text()
