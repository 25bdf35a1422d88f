"""``python -m mlm_audit``: the same as the ``mlm-audit`` command."""

from mlm_audit.cli.entry import run

run()
