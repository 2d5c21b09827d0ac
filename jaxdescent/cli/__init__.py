"""The ``jaxdescent`` command: a tour, single descents, sweeps and comparisons from a terminal."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from jaxdescent.cli._grid import parse_point, parse_values

__all__ = ["main"]

EXAMPLES = """\
examples:
  jaxdescent demo --out tour
  jaxdescent run --landscape rosenbrock --optimizer adam --learning-rate 0.02 --x0 -1.5,2
  jaxdescent run --landscape double_well --optimizer sgd --learning-rate 0.01 --momentum 0.9 --x0 2
  jaxdescent sweep --landscape rosenbrock --optimizer adam --learning-rate 1e-4:1:64log \\
      --b1 0.5,0.9,0.99 --steps 300
  jaxdescent compare --optimizer all --steps 100
  jaxdescent landscapes

Optimizer hyperparameters are given as --name VALUE with optax's names (--b1 0.9,
--momentum 0.9, --weight-decay 1e-4). In `sweep`, a value may be a list (0.1,0.2),
a range (0:1:11) or a log-spaced grid (1e-4:1:64log).
"""


_NEGATIVE = re.compile(r"^-[0-9.]")


def _checked(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` as an argparse type whose ValueError message reaches the user."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__
    return convert


def _one_number(text: str) -> float:
    value = parse_values(text)
    if not isinstance(value, float):
        raise ValueError(f"expected one number (grids are for `jaxdescent sweep`), got {text!r}")
    return value


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


def _add_descent_arguments(parser: argparse.ArgumentParser, *, sweep: bool) -> None:
    parser.add_argument("--landscape", default="rosenbrock", help="see `jaxdescent landscapes`")
    parser.add_argument("--dim", type=int, default=None, help="dimension, for N-D landscapes")
    parser.add_argument("--optimizer", default="adam", help="any jaxdescent optimizer name")
    parser.add_argument(
        "--learning-rate",
        type=_checked(parse_values if sweep else _one_number),
        default=None,
        help="a grid such as 1e-4:1:64log" if sweep else "the step size alpha",
    )
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--x0", type=_checked(parse_point), default=None, help="start, e.g. -1.5,2")
    parser.add_argument("--out", default="jaxdescent-output", help="output folder")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="jaxdescent",
        description="Gradient descent in JAX, made fast, exact and visible.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = commands.add_parser("demo", help="a tour of gradient descent: figures and a report")
    demo.add_argument("--out", default="jaxdescent-output", help="output folder")
    demo.add_argument("--small", action="store_true", help="tiny sizes (for tests)")
    run = commands.add_parser("run", help="one descent: plot, CSV and JSON")
    _add_descent_arguments(run, sweep=False)
    sweep = commands.add_parser("sweep", help="many descents in one call: table, plot, result")
    _add_descent_arguments(sweep, sweep=True)
    sweep.add_argument("--starts", type=int, default=None, help="N random starts in the domain")
    sweep.add_argument("--seed", type=int, default=0, help="seed for random starts")
    compare = commands.add_parser("compare", help="jaxdescent against optax, step by step")
    compare.add_argument("--optimizer", default="all", help="an optimizer name, or all")
    compare.add_argument("--steps", type=int, default=100)
    compare.add_argument("--out", default="jaxdescent-output", help="output folder")
    commands.add_parser("landscapes", help="list the landscapes and their minima")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jaxdescent`` command; returns the exit code."""
    parser = build_parser()
    argv = _join_negative_values(sys.argv[1:] if argv is None else argv)
    try:
        args, extra = parser.parse_known_args(argv)
    except SystemExit as exit:  # --help (0) or a bad argument (2), already reported
        return exit.code if isinstance(exit.code, int) else 2
    from jaxdescent.cli import _commands

    try:
        if args.command in ("run", "sweep"):
            args.hyperparameters = _commands.parse_hyperparameters(
                extra, args.optimizer, sweep=args.command == "sweep"
            )
        elif extra:
            raise _commands.UsageError(f"unrecognized arguments: {' '.join(extra)}")
        return _commands.dispatch(args)
    except _commands.UsageError as error:
        print(f"jaxdescent {args.command}: error: {error}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as error:
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"jaxdescent {args.command}: error: {first_line}", file=sys.stderr)
        return 2
