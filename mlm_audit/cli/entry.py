"""The ``mlm-audit`` console-script entry point.

It loads nothing heavy before it has begun reading the input files an ``audit`` or
``validate`` command line names (:func:`mlm_audit.io.bytescan.begin`): hashing a gigabyte
takes about as long as loading polars, numpy and the rest, and the two run side by side.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from pathlib import Path
from typing import NoReturn

from mlm_audit.cli import memory
from mlm_audit.io import bytescan

READERS = ("audit", "validate")  # the commands that read input files
FILE_OPTIONS = ("--agents", "--orders", "--payouts")
STREAMED = (".csv", ".tsv", ".txt", ".ndjson", ".jsonl", ".parquet", ".pq")


def early_inputs(argv: list[str]) -> list[Path]:
    """The agents, orders and payouts files a command line names: the files given with
    ``--agents/--orders/--payouts`` and those a directory argument holds (``orders.csv``...),
    in formats read from the bytes (not XLSX or a JSON array). A guess, made before the
    arguments are parsed: a file guessed wrongly costs a read, never a wrong result (a stream
    takes a read begun early only for the same file, unchanged)."""
    words = [w for w in argv if w != "--"]
    command = next((w for w in words if not w.startswith("-")), None)
    if command not in READERS:
        return []
    found: list[Path] = []
    rest = iter(words[words.index(command) + 1:])
    for word in rest:
        name, eq, value = word.partition("=")
        if name in FILE_OPTIONS:
            given = value if eq else next(rest, "")
            if given:
                found.append(Path(given))
        elif not word.startswith("-") and Path(word).is_dir():
            found += sorted(p for p in Path(word).iterdir()
                            if p.stem.lower() in ("agents", "orders", "payouts"))
    return [p for p in found if p.suffix.lower() in STREAMED and p.is_file()]


def run() -> None:
    """Console-script entry point: memory settings, the early reads, then the command."""
    memory.glibc_keep_freed()  # first: the reads' buffers come from the heap it keeps
    bytescan.begin(early_inputs(sys.argv[1:]))
    memory.numpy_small_pages()  # loads numpy, beside the reads
    from mlm_audit.cli.main import run_cli

    fast_exit(run_cli())


def fast_exit(code: int) -> NoReturn:
    """Exit without tearing the interpreter down: the exit hooks run (temporary files are
    removed, the output is flushed), then the process ends. Freeing every object of a
    large audit one by one only to end the process took 0.2 s after a 1M-agent audit."""
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe
                stream.flush()
        os._exit(code)
