"""``python -m jaxdescent``: the ``jaxdescent`` command."""

from jaxdescent.cli import main

if __name__ == "__main__":  # importing the module (e.g. to collect doctests) runs nothing
    raise SystemExit(main())
