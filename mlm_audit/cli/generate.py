"""``generate``: synthetic scenarios (placeholder until the generator lands)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    del app
