"""The ``mlm-audit`` command. Exit codes (stable, documented in the README):

0 nothing at or above --fail-on; 1 findings at or above it; 2 invalid input (usage, pack,
mapping, data that cannot be audited) or a full disk; 3 internal error (traceback only with
--debug).
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
import traceback

import typer

from mlm_audit import __version__
from mlm_audit.cli import audit as audit_cmd
from mlm_audit.cli import generate as generate_cmd
from mlm_audit.cli import plan as plan_cmd
from mlm_audit.cli import rules as rules_cmd
from mlm_audit.cli import store as store_cmd
from mlm_audit.cli import verify as verify_cmd
from mlm_audit.cli.common import STATE, err_console
from mlm_audit.model import InputError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

app = typer.Typer(
    name="mlm-audit",
    help="Audit distribution / MLM networks against anti-pyramid rule packs.\n\n"
         "Exit codes: 0 pass, 1 findings at or above --fail-on, 2 invalid input, "
         "3 internal error.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mlm-audit {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for internal errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    STATE.debug = debug


audit_cmd.register(app)
app.add_typer(rules_cmd.app, name="rules")
app.add_typer(plan_cmd.app, name="plan")
generate_cmd.register(app)
store_cmd.register(app)
verify_cmd.register(app)


Classes = tuple[type[BaseException], ...]


def _click_classes() -> tuple[Classes, Classes, Classes]:
    """(usage errors, exits, aborts) of click and of the click copy some typer versions ship."""
    import importlib

    usage: list[type[BaseException]] = []
    exits: list[type[BaseException]] = [typer.Exit]
    aborts: list[type[BaseException]] = [typer.Abort]
    for name in ("click.exceptions", "typer._click.exceptions"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        usage.append(mod.ClickException)
        for attr, bucket in (("Exit", exits), ("Abort", aborts)):
            if hasattr(mod, attr):
                bucket.append(getattr(mod, attr))
    return tuple(usage), tuple(exits), tuple(aborts)


def run_cli(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code, mapping exceptions to the documented codes."""
    from rich.markup import escape

    STATE.argv = ("mlm-audit", *(sys.argv[1:] if argv is None else argv))
    usage, exits, aborts = _click_classes()
    try:
        rv = app(args=argv, prog_name="mlm-audit", standalone_mode=False)
    except InputError as e:
        err_console().print(f"[bold red]error:[/bold red] {escape(str(e))}", highlight=False)
        return EXIT_INPUT
    except exits as e:
        return int(getattr(e, "exit_code", 0))
    except aborts:
        return EXIT_INPUT
    except usage as e:
        e.show()  # type: ignore[attr-defined]  # click's ClickException.show
        return EXIT_INPUT
    except OSError as e:
        if e.errno not in FULL_DISK:
            return _internal(e)
        err_console().print(f"[bold red]error:[/bold red] {escape(full_disk_message(e))}",
                            highlight=False)
        return EXIT_INPUT
    except Exception as e:
        return _internal(e)
    return int(rv) if isinstance(rv, int) else EXIT_OK


FULL_DISK = (errno.ENOSPC, errno.EDQUOT)


def full_disk_message(e: OSError) -> str:
    """A disk that filled up is the machine's condition, not a bug: say where, and what to
    do (large inputs spill to the temporary directory)."""
    where = f" ({e.filename})" if e.filename else ""
    return (f"{os.strerror(e.errno or errno.ENOSPC)}{where}. Large inputs spill to the "
            f"temporary directory ({tempfile.gettempdir()}); free space there, or set TMPDIR "
            "to a directory on a larger disk, then run again")


def _internal(e: Exception) -> int:
    from rich.markup import escape

    if STATE.debug:
        traceback.print_exception(e)
    else:
        err_console().print(
            f"[bold red]internal error:[/bold red] {escape(type(e).__name__)}: "
            f"{escape(str(e))}\nrun again with --debug for a traceback")
    return EXIT_INTERNAL


def run() -> None:
    """The console-script entry point (:func:`mlm_audit.cli.entry.run`, which loads this
    module only after it has begun reading the inputs)."""
    from mlm_audit.cli.entry import run as entry_run

    entry_run()
