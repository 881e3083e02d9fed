"""The robust-accuracy cross-check against torchattacks runs and prints every comparison."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ATTACKS = ["PGD-20", "AutoAttack", "FAB-T", "Square"]


def test_crosscheck_benchmark_prints_every_accuracy_and_comparison():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_attack_crosscheck.py"), "--quick",
         "--threads", "1"],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=600,
    )
    accuracies = re.findall(r"^eps=(\S+) (\S+) accuracy: (.+?) = (\d\.\d{4}) ", result.stdout,
                            flags=re.M)
    found = {(eps, attack, who) for eps, attack, who, _ in accuracies}
    for attack in ATTACKS:  # --quick runs eps=0.1 only
        assert ("0.1", attack, "ours (ART)") in found
        assert ("0.1", attack, "torchattacks") in found
    assert all(0.0 <= float(value) <= 1.0 for *_, value in accuracies)
    comparisons = re.findall(r"^eps=(\S+) (\S+) difference: .+ 95% CI \[(\S+), (\S+)\] .+: "
                             r"(agree within sampling noise|DIFFER beyond sampling noise)$",
                             result.stdout, flags=re.M)
    assert [(eps, attack) for eps, attack, *_ in comparisons] == [("0.1", a) for a in ATTACKS]
    assert all(float(low) <= float(high) for _, _, low, high, _ in comparisons)
    assert "AutoAttack breakdown (ours): clean" in result.stdout
