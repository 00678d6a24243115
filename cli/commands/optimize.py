"""`dlcalc optimize EXPR --at ... --method ... --lr η --steps N`: every iteration of an optimiser, worked."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput
from dlcalc.cli.common import run, run_file
from dlcalc.cli.expression import expr_parameters, expression, is_file, rename_expr

COMMANDS = ("optimize",)
PlotOpt = Annotated[Optional[str], typer.Option(
    "--plot", metavar="FILE", show_default=False,
    help="Also draw the trajectory on the loss (contours for two variables) to FILE.png; needs matplotlib: "
         "pip install 'dlcalc\\[plot]'.")]


def register(app: typer.Typer) -> None:
    import inspect

    from dlcalc.cli.options import OUTPUT, parameters, take_output, with_signature
    from dlcalc.problems import registry

    kind = registry.kind("optimize")

    def optimize(expr: Optional[str] = None, expr_option: Optional[str] = None, plot: Optional[str] = None,
                 **values) -> None:
        out = take_output(values)
        text, source = expression(expr, expr_option)
        if plot is not None:
            _check_plot(plot)
        if source == "EXPR" and is_file(text):
            sol, params = run_file("optimize", text, out, overrides=values)
        elif values.get("at") is None:
            raise BadInput("missing the start point, e.g. --at 'w1=1, w2=-1'", "--at")
        else:
            try:
                sol, params = run("optimize", {"expr": text, **values}, out)
            except BadInput as e:
                raise rename_expr(e, source) from None
        if plot is not None:
            _draw(plot, sol, params["expr"])

    fields = [f.name for f in kind.fields if f.name != "expr"]
    plot = inspect.Parameter("plot", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=PlotOpt)
    params = expr_parameters() + parameters(kind, "either", only=tuple(fields)) + [plot] + OUTPUT
    app.command("optimize")(with_signature(optimize, params, kind.summary))


# ── --plot (matplotlib is an optional extra) ────────────────────────────────

def _check_plot(path: str) -> None:
    """Fail before any work when the plot cannot be drawn."""
    import importlib.util

    if not path.lower().endswith(".png"):
        raise BadInput(f"expected a .png file name, got '{path}'", "--plot")
    if importlib.util.find_spec("matplotlib") is None:
        raise BadInput("drawing needs matplotlib, an optional extra: pip install 'dlcalc[plot]'", "--plot")


def _draw(path: str, sol, expr) -> None:
    """The trajectory over the loss: a curve for one variable, contours for two."""
    import numpy as np

    from dlcalc.calc.optimize import Loss

    names = sol.answer["variables"]
    if len(names) > 2:
        raise BadInput(f"can only draw one or two variables, not {len(names)}", "--plot")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path_points = np.asarray(sol.answer["trajectory"], dtype=float)
    shown = path_points[np.all(np.isfinite(path_points), axis=1)]
    lo, hi = shown.min(axis=0), shown.max(axis=0)
    pad = np.maximum(0.25 * (hi - lo), 0.5)
    axes = [np.linspace(a - p, b + p, 300 if len(names) == 1 else 200) for a, b, p in zip(lo, hi, pad)]
    loss = Loss(expr, names)
    fig, ax = plt.subplots(figsize=(6, 5))
    if len(names) == 1:
        ax.plot(axes[0], loss.values(axes[0]), color="0.4")
        ax.plot(path_points[:, 0], sol.answer["losses"], "o-", color="tab:red", ms=4)
        ax.set_xlabel(names[0])
        ax.set_ylabel("L")
    else:
        X, Y = np.meshgrid(*axes)
        Z = loss.values(X, Y)
        finite = Z[np.isfinite(Z)]
        if finite.size:
            levels = np.unique(np.quantile(finite, np.linspace(0, 1, 25)))
            ax.contour(X, Y, Z, levels=levels if levels.size > 1 else 10, cmap="viridis", linewidths=0.8)
        ax.plot(path_points[:, 0], path_points[:, 1], "o-", color="tab:red", ms=4)
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
    ax.annotate("θ₀", path_points[0, : len(names)] if len(names) == 2 else (path_points[0, 0], sol.answer["losses"][0]))
    ax.set_title(sol.title, fontsize=9)
    try:
        fig.savefig(path, dpi=120, bbox_inches="tight")
    except OSError as e:
        raise BadInput(f"cannot write the plot: {e.strerror}", "--plot") from None
    finally:
        plt.close(fig)
