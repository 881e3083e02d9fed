"""The ``sk-easycore`` command: run a study, compute scores once, print a study's report."""

import argparse
import logging
import sys

__all__ = ["main"]

DESCRIPTION = """\
Compare coreset selection methods by the robustness of the models trained on their coresets.

  sk-easycore study   run (or resume) a study: every method x fraction x regime x seed
  sk-easycore score   compute AIGN and the other training-dynamics scores once, save them
  sk-easycore report  print a study's summary again and write it as Markdown and CSV

Run `sk-easycore <command> --help` for the options of each command.
"""

STUDY_EPILOG = """\
examples:
  sk-easycore study --dataset digits --methods easycore,random,el2n --fractions 0.1,0.3 \\
      --seeds 3 --out results/digits
  sk-easycore study --dataset synthetic2d --methods easycore,random,moderate --seeds 2 \\
      --out results/synthetic2d
  sk-easycore study --dataset cifar10 --data-root ~/data --regimes standard,trades \\
      --out results/cifar10          # the paper's recipe: 300 epochs of ResNet-18 (GPU)

Every cell (method, fraction, regime, seed) is written to <out>/cells/ as soon as it is done;
running the same command again skips finished cells. A folder holding a different
configuration is refused. When easycore is among the methods, its class-matched random
control (matched_random) is added, and the full-data model is always a row.
"""


def _floats(text):
    return [float(v) for v in text.split(",") if v.strip()]


def _names(text):
    return [v.strip() for v in text.split(",") if v.strip()]


def _add_data_args(parser):
    parser.add_argument("--dataset", default="digits",
                        choices=["digits", "synthetic2d", "cifar10", "cifar100"],
                        help="the data (default: digits, embedded; CIFAR needs --data-root)")
    parser.add_argument("--data-root", help="folder holding the CIFAR python version "
                        "(cifar-10-batches-py/ or cifar-100-python/); nothing is downloaded")
    recipe = parser.add_argument_group("training recipe (defaults depend on --dataset)")
    recipe.add_argument("--model", choices=["small_cnn", "residual_mlp", "resnet18"],
                        help="architecture (default: small_cnn for digits, residual_mlp for "
                        "synthetic2d, resnet18 for CIFAR)")
    recipe.add_argument("--epochs", type=int, help="epochs of a full-data model")
    recipe.add_argument("--proxy-epochs", type=int, help="epochs of the scoring proxy")
    recipe.add_argument("--batch-size", type=int)
    recipe.add_argument("--lr", type=float, help="learning rate")
    recipe.add_argument("--weight-decay", type=float)


def _recipe_overrides(args):
    return {"model": args.model, "epochs": args.epochs, "proxy_epochs": args.proxy_epochs,
            "batch_size": args.batch_size, "lr": args.lr, "weight_decay": args.weight_decay}


def _parser():
    from ._methods import METHOD_NAMES

    parser = argparse.ArgumentParser(
        prog="sk-easycore", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    study = sub.add_parser(
        "study", help="run or resume a study", epilog=STUDY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run (or resume) a comparison of coreset methods by robustness.")
    study.add_argument("--out", required=True, help="the study folder (created if missing)")
    _add_data_args(study)
    study.add_argument("--methods", type=_names, default=["easycore", "random"],
                       help="comma-separated, from: " + ", ".join(METHOD_NAMES)
                       + " (default: easycore,random)")
    study.add_argument("--fractions", type=_floats, default=[0.1, 0.3, 0.5],
                       help="coreset sizes as fractions in (0, 1) (default: 0.1,0.3,0.5)")
    study.add_argument("--regimes", type=_names, default=["standard"],
                       help="training regimes: standard, trades, pgd (default: standard)")
    study.add_argument("--attacks", type=_names, default=["fgsm", "pgd"],
                       help="evaluation attacks: fgsm, pgd, autoattack (default: fgsm,pgd)")
    study.add_argument("--eps", type=_floats,
                       help="L-inf budgets in input units, pixels in [0, 1] "
                       "(default per dataset: digits 0.05,0.1,0.2; CIFAR 2/255,4/255,8/255)")
    study.add_argument("--seeds", type=int, default=3, help="number of seeds (default: 3)")
    study.add_argument("--budget", choices=["epochs", "steps"], default="epochs",
                       help="a coreset model trains as many epochs as the full-data model "
                       "(epochs, default) or as many optimizer steps (steps)")
    study.add_argument("--scoring-runs", type=int, default=1,
                       help="average AIGN and the training-dynamics scores over this many "
                       "scoring seeds (default: 1)")
    study.add_argument("--global-selection", action="store_true",
                       help="rank all rows together instead of within each class")
    study.add_argument("--scores", help="an .npz written by `sk-easycore score`: reuse its "
                       "scores instead of training a scoring proxy for them")
    study.add_argument("--n-jobs", type=int, default=1,
                       help="run cells in this many processes on this machine")
    study.add_argument("--dask-scheduler", metavar="ADDRESS",
                       help="send cells to a running Dask distributed scheduler "
                       "(pip install 'sk-easycore[dask]')")
    study.add_argument("--quiet", action="store_true", help="no progress bar")

    score = sub.add_parser(
        "score", help="compute and save scores once",
        description="Train the scoring proxy once on the training split and save AIGN, EL2N, "
        "GraNd, forgetting and loss per sample to an .npz, to reuse with other models "
        "(`sk-easycore study --scores FILE`).")
    _add_data_args(score)
    score.add_argument("--out", required=True, help="the .npz file to write")
    score.add_argument("--seed", type=int, default=0)
    score.add_argument("--quiet", action="store_true")

    report = sub.add_parser("report", help="print and write a study's summary",
                            description="Print a study folder's summary table and write "
                            "summary.md, summary.csv and its figures beside its cells.")
    report.add_argument("folder", help="a study folder (the --out of `sk-easycore study`)")
    return parser


def main(argv=None):
    """Entry point of ``sk-easycore``; returns the exit status."""
    args = _parser().parse_args(argv)
    quiet = getattr(args, "quiet", False)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        if args.command == "study":
            from ._study import run_study

            result = run_study(
                args.out, n_jobs=args.n_jobs, dask_scheduler=args.dask_scheduler,
                verbose=0 if quiet else 1, dataset=args.dataset, methods=args.methods,
                fractions=args.fractions, regimes=args.regimes, attacks=args.attacks,
                eps=args.eps, seeds=args.seeds, budget=args.budget,
                scoring_runs=args.scoring_runs, class_balanced=not args.global_selection,
                data_root=args.data_root, scores=args.scores, **_recipe_overrides(args))
            print(result.markdown())
        elif args.command == "score":
            from ._scores import save_scores

            path = save_scores(args.out, dataset=args.dataset, data_root=args.data_root,
                               seed=args.seed, verbose=0 if quiet else 1,
                               **_recipe_overrides(args))
            print(f"wrote {path}")
        else:
            from ._study import write_report

            result = write_report(args.folder)
            if not result.records:
                print(f"{args.folder} holds no finished cells yet.")
            else:
                print(result.markdown())
                print(f"wrote summary.md, summary.csv, differences.csv and the figures (.png) "
                      f"in {result.out}")
    except (ValueError, FileNotFoundError) as exc:
        print(f"sk-easycore: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
