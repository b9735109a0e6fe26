"""Keep an unfilled notebook calm: a demo that needs an unwritten function says so in one line.

A plot or demo cell that calls a student's function is wrapped like this::

    with needs("leaky_integrator"):
        fig, ax = plt.subplots()
        ax.plot(leaky_integrator(input_data, 10.0))
        plt.show()

If the function still raises `NotImplementedError` (the stub of an answer cell), or a named
answer variable is not defined yet (`NameError`), the block stops,
the figures it opened are closed (no empty axes), and one line is printed instead of a traceback:
"write `leaky_integrator` above first". Any other error is a real bug and is raised as usual.
`needs(...)` also works as a decorator, e.g. on the draw function of a slider. A variable that an
earlier demo cell defines from an answer is named as a keyword, `needs("binary_raster",
spike_dict="simulate_lif_refractory")`: if it is missing, the line asks for that answer.
"""
from __future__ import annotations

import contextlib
import sys


def _figure_numbers() -> set:
    pyplot = sys.modules.get("matplotlib.pyplot")
    return set(pyplot.get_fignums()) if pyplot is not None else set()


def _unwritten(tb, names: tuple[str, ...]) -> str:
    """The name to ask for: the innermost function that raised, if it is a known answer."""
    raised_in = None
    while tb is not None:
        raised_in = tb.tb_frame.f_code
        tb = tb.tb_next
    if raised_in is not None:
        qualname = getattr(raised_in, "co_qualname", raised_in.co_name)
        for name in names:
            if qualname == name or qualname.startswith(name + "."):
                return qualname
    return ", ".join(names) if names else "the functions this cell uses"


class needs(contextlib.ContextDecorator):
    """Run a block that calls the named answers; if one is not written yet, say so calmly."""

    def __init__(self, *names: str, **made_by: str):
        self.names = names
        self.made_by = made_by      # {variable: the answer whose demo cell defines it}
        self._before: set = set()

    def __enter__(self):
        self._before = _figure_numbers()
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            return False
        if issubclass(exc_type, NotImplementedError):
            missing = _unwritten(tb, self.names)
        elif issubclass(exc_type, NameError) and getattr(exc, "name", None) in self.names:
            missing = exc.name      # an answer such as `input_data = ...` not written yet
        elif issubclass(exc_type, NameError) and getattr(exc, "name", None) in self.made_by:
            missing = self.made_by[exc.name]    # an earlier demo could not run without it
        else:
            return False
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            for number in _figure_numbers() - self._before:
                pyplot.close(number)
        print(f"write `{missing}` above first")
        return True
