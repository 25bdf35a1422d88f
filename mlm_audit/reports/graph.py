"""GraphML and GEXF of the evidence subgraph for Gephi: flagged agents, the chains from their
organization roots, sponsor edges between them, and their metrics as node attributes.

Built from ``result.tables["evidence_agents"]`` (bounded by the library), never the whole
network.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mlm_audit.model import AuditResult
from mlm_audit.reports import common

if TYPE_CHECKING:
    import networkx as nx

NUMERIC = ("level", "direct_recruits", "downline_size", "org_levels", "entry", "paid_total",
           "net", "row")


def evidence_graph(result: AuditResult) -> nx.DiGraph:
    import networkx as nx  # loaded only when a graph is written

    g = nx.DiGraph()
    g.graph["tool"] = common.xml_text(f"{result.tool.get('name', '')} "
                                      f"{result.tool.get('version', '')}")
    g.graph["flagged_agents_total"] = int(result.tables.get("flagged_agents_total", 0))
    g.graph["truncated"] = bool(result.tables.get("evidence_truncated", False))
    nodes = result.tables.get("evidence_agents", [])
    for a in nodes:
        attrs: dict[str, Any] = {k: int(a.get(k, 0)) for k in NUMERIC}
        attrs.update({
            "label": common.xml_text(a.get("name") or a["agent_id"]),
            "name": common.xml_text(a.get("name", "")),
            "role": a.get("role", ""),
            "flagged": a.get("role") == "flagged",
            "rules": " ".join(a.get("rules", [])),
            "root_id": common.xml_text(a.get("root_id", "")),
        })
        g.add_node(common.xml_text(a["agent_id"]), **attrs)
    for a in nodes:
        sponsor = common.xml_text(a.get("sponsor_id", ""))
        if sponsor and sponsor in g:
            g.add_edge(sponsor, common.xml_text(a["agent_id"]), relation="sponsor")
    return g


def render(result: AuditResult, **_: Any) -> str:
    import networkx as nx

    return "\n".join(nx.generate_graphml(evidence_graph(result), prettyprint=True)) + "\n"


def render_gexf(result: AuditResult, now: datetime | None = None, **_: Any) -> str:
    import networkx as nx

    text = "\n".join(nx.generate_gexf(evidence_graph(result), prettyprint=True)) + "\n"
    # networkx stamps today's date; the report's date comes from the injected clock only
    day = common.stamp(now)[:10]
    stamp = f'lastmodifieddate="{day}"' if day else ""
    return re.sub(r' ?lastmodifieddate="[^"]*"', " " + stamp if stamp else "", text, count=1)
