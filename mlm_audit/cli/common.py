"""Shared CLI plumbing: consoles, progress, output writing, options."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from mlm_audit.model import InputError, Severity


@dataclass
class _State:
    debug: bool = False
    argv: tuple[str, ...] = ()  # the command line as given, program name first


STATE = _State()


def err_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def out_console() -> Console:
    return Console(highlight=False, soft_wrap=False)


@contextmanager
def progress(enabled: bool = True) -> Iterator[callable]:  # type: ignore[valid-type]
    """A status spinner on stderr when it is a terminal; silent otherwise."""
    console = err_console()
    if not enabled or not console.is_terminal:
        yield lambda _msg: None
        return
    with console.status("working…") as status:
        yield lambda msg: status.update(f"{msg}…")


def parse_severity(value: str, option: str = "--fail-on") -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as e:
        raise InputError(f"{option}: {e}") from None


def write_output(text: str, output: Path | None) -> None:
    """Machine output to stdout, or to a file (parent folders created)."""
    if output is None or str(output) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"{output}: cannot write: {e.strerror}") from None
