"""Renderers: one module per format, each a pure function of an AuditResult."""

from __future__ import annotations

from collections.abc import Callable

from mlm_audit.model import AuditResult
from mlm_audit.reports import json_report

Renderer = Callable[..., str]

RENDERERS: dict[str, Renderer] = {
    "json": json_report.render,
}

__all__ = ["RENDERERS", "AuditResult"]
