"""The cross-check benchmark runs and prints every comparison: accuracies, disagreements, ratios."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = {"FGSM": "torchattacks", "PGD-20": "torchattacks", "TRADES-KL": "torchattacks",
              "TRADES-KL-unclamped-start": "torchattacks", "AutoAttack": "pyautoattack"}


def test_crosscheck_benchmark_prints_every_comparison():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_attack_crosscheck.py"), "--quick",
         "--threads", "1"],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=600,
    )
    out = result.stdout
    accuracies = re.findall(r"^eps=0\.1 (\S+) accuracy: ours = (\d\.\d{4}) \[\S+ s\], (\S+) = "
                            r"(\d\.\d{4}) \[\S+ s\]$", out, flags=re.M)
    assert [(attack, who) for attack, _, who, _ in accuracies] == list(REFERENCES.items())
    assert all(0 <= float(a) <= 1 and 0 <= float(b) <= 1 for _, a, _, b in accuracies)
    for attack, reference in REFERENCES.items():
        disagree = re.search(rf"^eps=0\.1 {attack} disagreeing images \((\d+)\): \[(.*)\]$", out,
                             flags=re.M)
        listed = [int(i) for i in disagree.group(2).split(",") if i.strip()]
        assert len(listed) == int(disagree.group(1))
        assert re.search(rf"^eps=0\.1 {attack} difference: ours - {reference} = [-+]\d\.\d{{4}}, "
                         r"95% CI \[\S+, \S+\] .+: (agree within|DIFFER beyond) sampling noise$",
                         out, flags=re.M)
        assert re.search(rf"^eps=0\.1 {attack} time ratio ours / {reference}: \d+\.\d\d$", out,
                         flags=re.M)
        assert re.search(rf"^eps=0\.1 {attack} CPU seconds: ours \S+, {reference} \S+: ratio "
                         r"\d+\.\d\d$", out, flags=re.M)
    # the same algorithms: the same verdicts (AutoAttack: the authors' code through our API)
    assert "eps=0.1 TRADES-KL-unclamped-start disagreeing images (0): []" in out
    assert "eps=0.1 AutoAttack disagreeing images (0): []" in out
    assert re.search(r"^eps=0\.1 AutoAttack breakdown \(ours\): clean \d+, apgd-ce \d+, "
                     r"apgd-t \d+, fab-t \d+, square \d+; seconds: ", out, flags=re.M)


def test_cost_mode_prints_autoattack_against_pgd_per_image():
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_attack_crosscheck.py"), "--quick",
         "--cost", "--n-images", "8", "--threads", "1"],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=600,
    )
    for model in ("standard", "TRADES"):
        assert re.search(rf"^cost {model} eps=0\.1: PGD-20 \d\.\d{{4}} in \S+ s \(\S+ ms/image\), "
                         r"AutoAttack \d\.\d{4} in \S+ s \(\S+ ms/image\): ratio \d+\.\d$",
                         result.stdout, flags=re.M)
        assert re.search(rf"^cost {model} eps=0\.1 in CPU seconds: PGD-20 \S+, AutoAttack \S+: "
                         r"ratio \d+\.\d$", result.stdout, flags=re.M)
