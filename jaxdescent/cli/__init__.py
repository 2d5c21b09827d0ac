"""The ``jaxdescent`` command: a tour, single descents, sweeps and comparisons from a terminal."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from jaxdescent.cli import _flags
from jaxdescent.cli._grid import parse_point, parse_values

__all__ = ["main"]

EXAMPLES = """\
examples:
  jaxdescent demo --out tour
  jaxdescent run --landscape rosenbrock --optimizer adam --learning-rate 0.02 --x0 -1.5,2
  jaxdescent run --landscape double_well --optimizer sgd --learning-rate 0.01 --momentum 0.9 --x0 2
  jaxdescent run --optimizer polyak_sgd --max-learning-rate 0.5 --x64
  jaxdescent sweep --landscape rosenbrock --optimizer adam --learning-rate 1e-4:1:64log \\
      --b1 0.5,0.9,0.99 --steps 300
  jaxdescent sweep --optimizer sgd --momentum 0:0.9:4 --chunk-size 32 --save-to runs/sgd
  jaxdescent compare --optimizer all --steps 100
  jaxdescent compare --optimizer adam --landscape quadratic --dim 50 --learning-rate 0.02
  jaxdescent landscapes

Each optimizer's hyperparameters are flags with optax's names (--b1 0.9, --momentum 0.9,
--nesterov true): `jaxdescent run --optimizer NAME --help` lists NAME's with their
defaults. In `sweep`, a number may be a list (0.1,0.2), a range (0:1:11) or a
log-spaced grid (1e-4:1:64log). Without --x0 a descent starts 20% of the way into the
landscape's domain box from its lower corner (Rosenbrock: (-1.2, -0.2)); `run` and
`compare` print the start they use. Exit codes: 0 done, 1 `compare` found an
unexplained difference, 2 a bad argument or path (or every run of a sweep diverged),
130 interrupted (Ctrl-C).
"""

DEFAULT_GRID = "1e-4:1:32log"
_NEGATIVE = re.compile(r"^-[0-9.]")


def _join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--x0 -1.5,2`` -> ``--x0=-1.5,2``: argparse would read ``-1.5,2`` as a flag."""
    out: list[str] = []
    for token in argv:
        if out and _NEGATIVE.match(token) and out[-1].startswith("--") and "=" not in out[-1]:
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line naming the argument, exit code 2, no traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Examples kept as written; every flag's default shown (unless its help says it)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text or any(action.default is v for v in (None, argparse.SUPPRESS, False)):
            return text
        return super()._get_help_string(action)


def _add_common(parser: argparse.ArgumentParser, *, steps: int) -> None:
    parser.add_argument("--landscape", default="rosenbrock", help="see `jaxdescent landscapes`")
    parser.add_argument(
        "--dim", type=int, default=None, help="dimension, for N-D landscapes (default: theirs)"
    )
    parser.add_argument("--steps", type=int, default=steps, help="update steps")
    parser.add_argument(
        "--x0",
        type=_flags.checked(parse_point),
        default=None,
        help="start, e.g. -1.5,2 (default: 20%% into the domain box from its lower corner)",
    )
    parser.add_argument("--x64", action="store_true", help="compute in float64 (default: float32)")
    parser.add_argument("--out", default="jaxdescent-output", help="output folder")


def _add_descent_arguments(parser: argparse.ArgumentParser, optimizer: str, *, grid: bool) -> None:
    parser.add_argument("--optimizer", default="adam", help="any jaxdescent optimizer name")
    lr_help = (
        f"a number or a grid such as 1e-4:1:64log (default: {DEFAULT_GRID}, 32 log-spaced "
        "values from 1e-4 to 1, where the optimizer takes a learning rate)"
        if grid
        else "the step size alpha (default: 0.01 where the optimizer requires one)"
    )
    parser.add_argument(
        "--learning-rate",
        type=_flags.checked(parse_values if grid else _flags.one_number),
        default=None,
        help=lr_help,
    )
    _add_common(parser, steps=500)
    if _flags.known(optimizer):
        _flags.add_flags(parser, optimizer, grid=grid)


def _add_sweep_arguments(sweep: argparse.ArgumentParser) -> None:
    sweep.add_argument(
        "--starts", type=int, default=None, help="N random starts in the domain, instead of --x0"
    )
    sweep.add_argument("--starts-seed", type=int, default=0, help="seed for the random starts")
    sweep.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        help="runs per compiled call (default: as many as fit in one)",
    )
    sweep.add_argument(
        "--save-to",
        default=None,
        help="folder for finished chunks: the same command resumes from them (default: none)",
    )
    sweep.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar for multi-chunk sweeps (default: when stderr is a terminal)",
    )


def build_parser(optimizer: str | None = None) -> argparse.ArgumentParser:
    """The parser; ``run``, ``sweep`` and ``compare`` get the flags of ``optimizer``'s
    hyperparameters (default: adam's for ``run`` and ``sweep``, none for ``compare``)."""
    parser = _Parser(
        prog="jaxdescent",
        description="Gradient descent in JAX, made fast, exact and visible.",
        epilog=EXAMPLES,
        formatter_class=_Formatter,
        allow_abbrev=False,
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=text, formatter_class=_Formatter, allow_abbrev=False)

    demo = command("demo", "a tour of gradient descent: figures and a report")
    demo.add_argument("--out", default="jaxdescent-output", help="output folder")
    demo.add_argument("--small", action="store_true", help="tiny sizes (for tests)")
    run = command("run", "one descent: plot, CSV and JSON")
    _add_descent_arguments(run, optimizer or "adam", grid=False)
    sweep = command("sweep", "many descents in one call: table, plot, result")
    _add_descent_arguments(sweep, optimizer or "adam", grid=True)
    _add_sweep_arguments(sweep)
    compare = command("compare", "jaxdescent against optax, step by step")
    compare.add_argument("--optimizer", default="all", help="an optimizer name, or all")
    compare.add_argument(
        "--learning-rate",
        type=_flags.checked(_flags.one_number),
        default=None,
        help="the step size alpha (default: 0.01 where the optimizer requires one)",
    )
    _add_common(compare, steps=100)
    if optimizer is not None and _flags.known(optimizer):
        _flags.add_flags(compare, optimizer, grid=False)
    command("landscapes", "list the landscapes and their minima")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jaxdescent`` command; returns the exit code."""
    argv = _join_negative_values(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_flags.chosen_optimizer(argv))
    try:
        args, extra = parser.parse_known_args(argv)
    except SystemExit as exit:  # --help (0) or a bad argument (2), already reported
        return exit.code if isinstance(exit.code, int) else 2
    from jaxdescent.cli import _commands

    try:
        if extra:
            raise _commands.UsageError(_commands.unrecognized(extra, args))
        return _commands.dispatch(args)
    except _commands.UsageError as error:
        print(f"jaxdescent {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        print(f"jaxdescent {args.command}: {interrupt or 'interrupted'}", file=sys.stderr)
        return 130
    except (ValueError, TypeError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"jaxdescent {args.command}: error: {first_line}", file=sys.stderr)
        return 2
