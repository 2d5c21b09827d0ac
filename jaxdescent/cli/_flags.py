"""Each optimizer's command-line flags, read from its factory's signature when the command runs.

``jaxdescent.sgd(learning_rate, momentum=None, nesterov=False, ...)`` gives
``--momentum`` (a number; a grid in ``sweep``) and ``--nesterov`` (true or false);
``learning_rate`` is the shared ``--learning-rate``. Masks, dtypes, PRNG keys,
functions and tuples of numbers are objects a command line cannot spell, so they
keep their defaults.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

from jaxdescent import optimizers
from jaxdescent.cli._grid import parse_values

NOT_ON_THE_COMMAND_LINE = ("mask", "dtype", "key")


class Flag(NamedTuple):
    """One hyperparameter as a flag: ``--{name}`` with ``-`` for ``_``."""

    name: str
    kind: str  # "number", "bool", "int" or "text"
    default: Any  # inspect.Parameter.empty when the factory requires it

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


def runnable() -> list[str]:
    """The optimizers a command runs: every one but the transformations to chain after a
    direction (``scale_by_zoom_linesearch``)."""
    return sorted(name for name in optimizers.__all__ if not name.startswith("scale_by_"))


def known(name: str) -> bool:
    return name in runnable()


def factory(name: str) -> Callable[..., Any]:
    return getattr(optimizers, name)


def takes_learning_rate(name: str) -> bool:
    return "learning_rate" in inspect.signature(factory(name)).parameters


def needs_learning_rate(name: str) -> bool:
    """Whether ``learning_rate`` has no default (adadelta's is None: the paper's rate 1)."""
    parameter = inspect.signature(factory(name)).parameters.get("learning_rate")
    return parameter is not None and parameter.default is inspect.Parameter.empty


def _kind(parameter: inspect.Parameter) -> str:
    annotation = parameter.annotation
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    if text == "bool" or isinstance(parameter.default, bool):
        return "bool"
    if text.replace(" ", "") in ("int", "int|None"):
        return "int"
    return "text" if isinstance(parameter.default, str) else "number"


def flags(name: str) -> list[Flag]:
    """The flags of optimizer ``name``, in its signature's order."""
    found = []
    for parameter in inspect.signature(factory(name)).parameters.values():
        if parameter.name == "learning_rate" or parameter.kind in (
            inspect.Parameter.VAR_POSITIONAL,
            inspect.Parameter.VAR_KEYWORD,
        ):
            continue
        if any(part in parameter.name for part in NOT_ON_THE_COMMAND_LINE):
            continue
        if callable(parameter.default) or isinstance(parameter.default, tuple | list):
            continue  # a function or several numbers (muon's ns_coeffs): Python only
        found.append(Flag(parameter.name, _kind(parameter), parameter.default))
    return found


def parse_bool(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise ValueError(f"expected true or false, got {text!r}")
    return text.lower() == "true"


def one_number(text: str) -> float:
    value = parse_values(text)
    if not isinstance(value, float):
        raise ValueError(f"expected one number (grids are for `jaxdescent sweep`), got {text!r}")
    return value


def checked(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` as an argparse type whose ValueError message reaches the user."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__
    return convert


def _parser_of(kind: str, *, grid: bool) -> Callable[[str], Any]:
    if kind == "number":
        return checked(parse_values if grid else one_number)
    return {"bool": checked(parse_bool), "int": int, "text": str}[kind]


def add_flags(parser: argparse.ArgumentParser, name: str, *, grid: bool) -> None:
    """Add optimizer ``name``'s flags to ``parser`` (a value is set only when given)."""
    group = parser.add_argument_group(
        f"{name} hyperparameters (optax's names; give --optimizer first to see another's)"
    )
    for flag in flags(name):
        required = flag.default is inspect.Parameter.empty
        shown = str(flag.default).lower() if flag.kind == "bool" else flag.default
        default = "required" if required else f"default: {shown}"
        values = {"number": "a number", "bool": "true or false", "int": "an integer"}
        what = values.get(flag.kind, "text")
        if grid and flag.kind == "number":
            what = "a number or a grid"
        try:
            group.add_argument(
                flag.option,
                dest=f"hyperparameter:{flag.name}",
                type=_parser_of(flag.kind, grid=grid),
                default=argparse.SUPPRESS,
                metavar="VALUE",
                help=f"{what} ({default})",
            )
        except argparse.ArgumentError:  # the name of a command's own flag: keeps its default
            continue


def given(args: argparse.Namespace) -> dict[str, Any]:
    """The hyperparameters given on the command line, by their optax names."""
    prefix = "hyperparameter:"
    return {k.removeprefix(prefix): v for k, v in vars(args).items() if k.startswith(prefix)}


def chosen_optimizer(argv: list[str]) -> str | None:
    """The value of ``--optimizer`` in ``argv``, read before the parser is built."""
    for i, token in enumerate(argv):
        if token == "--optimizer" and i + 1 < len(argv):
            return argv[i + 1]
        if token.startswith("--optimizer="):
            return token.split("=", 1)[1]
    return None
