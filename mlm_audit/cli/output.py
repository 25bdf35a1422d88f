"""Report outputs of ``audit``/``validate``/``demo``: several formats per run and the bundle.

Pairing of ``--format`` and ``--output``:

- no ``-o``: one format (default ``text``) goes to stdout;
- as many ``-o`` as ``-f``: paired in order (``-f json -o a.json -f html -o a.html``);
- ``-o`` without any ``-f``: each file's format comes from its extension
  (``.json .md .html .xml/.junit.xml .sarif .csv .agents.csv .graphml .gexf .txt``);
- ``-o -`` is stdout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mlm_audit import i18n
from mlm_audit.cli.common import STATE, out_console, write_output
from mlm_audit.model import AuditResult, InputError
from mlm_audit.reports import EXTENSIONS, RENDERERS
from mlm_audit.reports import text as text_report

if TYPE_CHECKING:
    from mlm_audit import evidence
    from mlm_audit.packs import Pack

FORMATS = ["text", *RENDERERS]

FormatsOpt = typer.Option(
    [], "--format", "-f",
    help=f"Report format, repeatable: {', '.join(FORMATS)}. Pair each with an -o in the same "
         "order; with -o alone the format comes from the file extension (.json .md .html "
         ".junit.xml .sarif .csv .agents.csv .graphml .gexf .txt). Default: text on stdout.")
OutputsOpt = typer.Option(
    [], "--output", "-o",
    help="Write a report here (repeatable, '-' = stdout); see --format for the pairing.")
BundleOpt = typer.Option(
    None, "--bundle",
    help="Also write an evidence bundle (zip): reports in every format, findings, packs and a "
         "manifest with sha256 of every input and output. Check it with 'mlm-audit verify'.")
LangOpt = typer.Option("en", "--lang", help="Language of human-readable output: en, zh.")


def clock() -> datetime:
    """Now, in UTC; ``SOURCE_DATE_EPOCH`` pins it for reproducible reports."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Target:
    fmt: str
    path: Path | None  # None = stdout


def infer_format(path: Path) -> str:
    name = path.name.lower()
    for ext in sorted(EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return EXTENSIONS[ext]
    raise InputError(f"--output {path}: cannot tell the format from the extension; add "
                     f"--format (one of {', '.join(FORMATS)}) before it")


def _check(fmt: str) -> str:
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    return fmt


def plan(formats: list[str], outputs: list[Path]) -> list[Target]:
    def dest(p: Path) -> Path | None:
        return None if str(p) == "-" else p

    if not outputs:
        if len(formats) > 1:
            raise InputError(f"{len(formats)} formats but no --output: give one -o FILE per "
                             "-f FORMAT (only one report can go to stdout)")
        return [Target(_check(formats[0] if formats else "text"), None)]
    if not formats:
        targets = [Target(infer_format(p) if dest(p) else "text", dest(p)) for p in outputs]
    elif len(formats) == len(outputs):
        targets = [Target(_check(f), dest(p)) for f, p in zip(formats, outputs, strict=True)]
    else:
        raise InputError(f"{len(formats)} --format and {len(outputs)} --output: give them in "
                         "pairs (-f json -o a.json -f html -o a.html), or only -o files whose "
                         "extension names the format")
    if sum(1 for t in targets if t.path is None) > 1:
        raise InputError("only one report can go to stdout ('-o -')")
    return targets


def emit(result: AuditResult, targets: list[Target], lang: str, now: datetime) -> list[Path]:
    """Write every report; returns the files written."""
    i18n.check_lang(lang)
    written = []
    for t in targets:
        if t.fmt == "text":
            if t.path is None:
                text_report.render(out_console(), result, lang)
                continue
            from rich.console import Console

            t.path.parent.mkdir(parents=True, exist_ok=True)
            with t.path.open("w", encoding="utf-8") as fh:
                text_report.render(Console(file=fh, width=120), result, lang)
        else:
            write_output(RENDERERS[t.fmt](result, lang=lang, now=now), t.path)
        if t.path is not None:
            written.append(t.path)
    return written


def write_bundle(path: Path, result: AuditResult, packs: list[Pack], rec: evidence.Recorded,
                 now: datetime) -> None:
    if not rec.argv:
        rec.argv = list(STATE.argv)
    from mlm_audit import evidence

    data = evidence.build(result, packs, rec, now)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as e:
        raise InputError(f"{path}: cannot write the bundle: {e.strerror}") from None
