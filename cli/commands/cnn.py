"""`dlcalc cnn FILE`: a CNN forward pass from a YAML problem file."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from dlcalc.cli.common import AnswerOnlyOpt, FormatOpt, PrecisionOpt, run_file


def register(app: typer.Typer) -> None:
    @app.command("cnn")
    def cnn(
        file: Annotated[str, typer.Argument(help="YAML problem file (kind: cnn): input, layers, optional target + loss.",
                                            show_default=False)],
        flip: Annotated[Optional[bool], typer.Option(
            "--flip/--no-flip", help="Default for conv layers: flip kernels 180° (true convolution) or not "
                                     "(cross-correlation). Overrides the file's 'flip'; a layer's own 'flip' wins.",
            show_default=False)] = None,
        full: Annotated[bool, typer.Option("--full", help="Write out every window of every convolution and pooling.")] = False,
        fmt: FormatOpt = None, precision: PrecisionOpt = 4, answer_only: AnswerOnlyOpt = False,
    ) -> None:
        """CNN forward pass: model summary, every layer worked, each feature map; the loss when the file has one."""
        run_file("cnn", file, fmt, precision, answer_only, flip=flip, full=full or None)
