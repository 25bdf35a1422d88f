"""Naive reference: the same metrics with networkx and Python dict loops.

Reads the CSV files with the csv module, builds a DiGraph sponsor -> recruit, computes
levels by BFS from the roots, downline sizes and L(u) from ``nx.descendants`` per agent,
per-agent money (purchases by kind, sales EXT/INTERNAL, payouts by kind, entry, unsold,
net) with dict loops, and for each payout the generation of its source agent below the
recipient (the ancestor at generation k, by walking up the sponsors; -1 when the source is
not in the recipient's downline). It is what one writes first; the benchmark measures
against it. The seconds of each part go to stderr.
"""

from __future__ import annotations

import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

import networkx as nx


def cents(text: str) -> int:
    text = (text or "0").strip() or "0"
    neg = text.startswith("-")
    whole, _, frac = text.lstrip("+-").partition(".")
    v = int(whole or 0) * 100 + int((frac + "00")[:2])
    return -v if neg else v


def main(directory: str) -> None:
    d = Path(directory)
    t0 = time.perf_counter()
    g = nx.DiGraph()
    sponsor: dict[str, str] = {}
    joined: dict[str, str] = {}
    terminated: dict[str, str] = {}
    fees: dict[str, int] = {}
    with (d / "agents.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            a = r["agent_id"]
            g.add_node(a)
            if r["sponsor_id"]:
                g.add_edge(r["sponsor_id"], a)
                sponsor[a] = r["sponsor_id"]
            joined[a] = r.get("joined_at") or ""
            terminated[a] = r.get("terminated_at") or ""
            fees[a] = cents(r.get("fees_paid") or "0")
    level: dict[str, int] = {}
    for root in (n for n in g.nodes if g.in_degree(n) == 0):
        level[root] = 1
        for parent, child in nx.bfs_edges(g, root):
            level[child] = level[parent] + 1
    downline: dict[str, int] = {}
    org_levels: dict[str, int] = {}
    for u in g.nodes:
        desc = nx.descendants(g, u)
        downline[u] = len(desc) + 1
        org_levels[u] = max((level[x] for x in desc), default=level[u]) - level[u] + 1
    recruits = {u: g.out_degree(u) for u in g.nodes}
    t_tree = time.perf_counter()

    bought: dict[tuple[str, str], int] = defaultdict(int)
    sold_ext: dict[str, int] = defaultdict(int)
    sold_int: dict[str, int] = defaultdict(int)
    with (d / "orders.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            b, s, t = r["buyer_id"], r["seller_id"], r["ordered_at"]
            v = cents(r["amount"]) - cents(r.get("returned_amount") or "0")
            member = b in joined and (not joined[b] or joined[b] <= t) and (
                not terminated[b] or terminated[b] > t)
            if b in joined:
                bought[(b, r["kind"] or "retail")] += v
            if s in joined:
                (sold_int if member else sold_ext)[s] += v
    t_orders = time.perf_counter()
    deepest = max(level.values(), default=0)
    by_gen: dict[int, int] = defaultdict(int)  # payout amount by generation of its source
    paid: dict[tuple[str, str], int] = defaultdict(int)
    paid_total: dict[str, int] = defaultdict(int)
    with (d / "payouts.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            v, rec, src = cents(r["amount"]), r["recipient_id"], r["source_agent_id"]
            paid[(rec, r["kind"])] += v
            paid_total[rec] += v
            if src:
                k, x = 0, src
                while x and x != rec and k <= deepest:  # the bound stops at a sponsor cycle
                    x, k = sponsor.get(x, ""), k + 1
                by_gen[k if x == rec else -1] += v
    t_payouts = time.perf_counter()
    negative = 0
    for a in g.nodes:
        entry = fees.get(a, 0) + bought[(a, "starter_kit")] + bought[(a, "fee")]
        unsold = max(bought[(a, "stock_up")] - sold_ext[a] - sold_int[a], 0)
        negative += paid_total[a] - entry - unsold < 0
    print(f"agents {g.number_of_nodes()} max_level {max(level.values())} "
          f"max_downline {max(downline.values())} max_L {max(org_levels.values())} "
          f"max_recruits {max(recruits.values())} net_negative {negative} "
          f"max_generation {max(by_gen, default=-1)} cross_line_paid {by_gen.get(-1, 0)}")
    print(f"seconds: tree {t_tree - t0:.1f}, orders {t_orders - t_tree:.1f}, payouts and "
          f"generations {t_payouts - t_orders:.1f}, net {time.perf_counter() - t_payouts:.1f}",
          file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
