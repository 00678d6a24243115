"""`dlcalc optimize EXPR --at ... --method ... --lr η --steps N`: every iteration of an optimiser, worked."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from dlcalc.calc.errors import BadInput
from dlcalc.cli.commands.hessian import ExprArg, ExprOpt, expression, is_file, point_option, rename_expr
from dlcalc.cli.common import AnswerOnlyOpt, FormatOpt, PrecisionOpt, option_value, run, run_file


def _opt(name: str, help_: str, short: str | None = None, default: str | None = None):
    """An option read as text (the kind's schema converts it, so typer has no default to show: `default` is it)."""
    names = [name] + ([short] if short else [])
    shown = f" \\[default: {default}]" if default else ""  # escaped: rich would take [default: …] for markup
    return typer.Option(*names, help=help_ + shown, show_default=False)


def register(app: typer.Typer) -> None:
    @app.command("optimize")
    def optimize(
        expr: ExprArg = None,
        expr_option: ExprOpt = None,
        at: Annotated[Optional[str], _opt(
            "--at", "Start point θ₀, e.g. 'w1=1, w2=-1' (its order is the variables' order).")] = None,
        method: Annotated[Optional[str], _opt("--method", "gd, momentum, adagrad, rmsprop or adam.", "-m", "gd")] = None,
        lr: Annotated[Optional[str], _opt("--lr", "Learning rate η.")] = None,
        steps: Annotated[Optional[str], _opt("--steps", "Number of updates.", "-n", "1")] = None,
        momentum: Annotated[Optional[str], _opt("--momentum", "Momentum λ: m ← λm − ηg, θ ← θ + m.", None, "0.9")] = None,
        alpha: Annotated[Optional[str], _opt("--alpha", "RMSProp's α: σₜ = √(ασₜ₋₁² + (1−α)gₜ²).", None, "0.9")] = None,
        beta1: Annotated[Optional[str], _opt("--beta1", "Adam's β1.", None, "0.9")] = None,
        beta2: Annotated[Optional[str], _opt("--beta2", "Adam's β2.", None, "0.999")] = None,
        eps: Annotated[Optional[str], _opt("--eps", "ε of PyTorch's forms: Adam (1e-8), --adagrad-sum (1e-10), "
                                                    "--rmsprop-torch (1e-8).")] = None,
        adagrad_sum: Annotated[bool, typer.Option(
            "--adagrad-sum", help="Adagrad with PyTorch's σ = √(Σg²) + ε instead of the course's root mean square.")] = False,
        rmsprop_torch: Annotated[bool, typer.Option(
            "--rmsprop-torch", help="RMSProp as PyTorch's: v = αv + (1−α)g² from v = 0, σ = √v + ε "
                                    "(the course starts from σ₀ = |g₀|, no ε).")] = False,
        plot: Annotated[Optional[str], _opt("--plot", "Also draw the trajectory on the loss (contours for two variables) "
                                                      "to FILE.png; needs matplotlib: pip install 'dlcalc\\[plot]'.")] = None,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """Optimiser trace: gradient descent, momentum, Adagrad, RMSProp or Adam, every iteration in a table."""
        text, source = expression(expr, expr_option)
        if plot is not None:
            _check_plot(plot)
        raw = dict(method=method, lr=lr, steps=steps, momentum=momentum, alpha=alpha, beta1=beta1, beta2=beta2,
                   eps=eps, adagrad_sum=adagrad_sum or None, rmsprop_torch=rmsprop_torch or None)
        if source == "EXPR" and is_file(text):
            overrides = {k: option_value("optimize", k, v) for k, v in raw.items() if v is not None}
            sol, params = run_file("optimize", text, fmt, precision, answer_only, at=point_option(at), **overrides)
        elif at is None:
            raise BadInput("missing the start point, e.g. --at 'w1=1, w2=-1'", "--at")
        else:
            try:
                sol, params = run("optimize", dict(expr=text, at=at, **raw), fmt, precision, answer_only)
            except BadInput as e:
                raise rename_expr(e, source) from None
        if plot is not None:
            _draw(plot, sol, params["expr"])




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
