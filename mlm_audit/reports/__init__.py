"""Renderers: one module per format, each a pure function of an AuditResult (plus ``lang``
and an injected clock ``now`` where a time appears)."""

from __future__ import annotations

from collections.abc import Callable

from mlm_audit.model import AuditResult
from mlm_audit.reports import csv_report, graph, html_report, json_report, junit, md_report, sarif

Renderer = Callable[..., str]

RENDERERS: dict[str, Renderer] = {
    "json": json_report.render,
    "md": md_report.render,
    "html": html_report.render,
    "junit": junit.render,
    "sarif": sarif.render,
    "csv": csv_report.render,
    "csv-agents": csv_report.render_agents,
    "graphml": graph.render,
    "gexf": graph.render_gexf,
}

# The format a file name implies (longest suffix first), for ``-o`` without ``--format``.
EXTENSIONS: dict[str, str] = {
    ".agents.csv": "csv-agents",
    ".junit.xml": "junit",
    ".sarif.json": "sarif",
    ".sarif": "sarif",
    ".json": "json",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".xml": "junit",
    ".csv": "csv",
    ".graphml": "graphml",
    ".gexf": "gexf",
    ".txt": "text",
}

__all__ = ["EXTENSIONS", "RENDERERS", "AuditResult"]
