"""Column mapping: built-in aliases, a mapping file, and the error when neither fits.

Mapping file (YAML)::

    agents:
      columns: {agent_id: 会员号, sponsor_id: 推荐人号}
    orders:
      columns: {amount: 成交额}
      money_unit: minor          # amounts are integer fen / cents
      kinds: {线下零售: retail}   # extra order-kind values
    payouts:
      kinds: {育成奖: override}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mlm_audit.io.aliases import ALIAS_INDEX, HEADER_ALIASES, norm_header
from mlm_audit.model import InputError
from mlm_audit.packs import yamlsrc
from mlm_audit.schema import ORDER_KINDS, PAYOUT_KINDS, REQUIRED, SCHEMAS

ALIASES_SHOWN = 6


class TableMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    columns: dict[str, str] = Field(default_factory=dict)
    money_unit: str = Field(default="major", pattern="^(major|minor)$")
    kinds: dict[str, str] = Field(default_factory=dict)


class MappingFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    agents: TableMapping = TableMapping()
    orders: TableMapping = TableMapping()
    payouts: TableMapping = TableMapping()


@dataclass
class Resolved:
    columns: dict[str, str]  # canonical -> header in file
    ignored: list[str] = field(default_factory=list)


def load_mapping(path: Path | None) -> MappingFile:
    if path is None:
        return MappingFile()
    if not path.is_file():
        raise InputError(f"{path}: mapping file not found")
    src = yamlsrc.load(path.read_text(encoding="utf-8"), str(path))
    if src.errors:
        raise InputError("\n".join(src.errors))
    try:
        m = MappingFile.model_validate(src.data or {})
    except ValidationError as e:
        raise InputError("\n".join(
            f"{src.where(tuple(err['loc']))}: {'.'.join(map(str, err['loc']))}: {err['msg']}"
            for err in e.errors())) from None
    errors = []
    for table in ("agents", "orders", "payouts"):
        tm: TableMapping = getattr(m, table)
        for canon in tm.columns:
            if canon not in SCHEMAS[table]:
                errors.append(f"{src.where((table, 'columns', canon))}: {table} has no column "
                              f"{canon!r}; columns: {', '.join(SCHEMAS[table])}")
        allowed = ORDER_KINDS if table == "orders" else PAYOUT_KINDS
        for raw, kind in tm.kinds.items():
            if table == "agents" or kind not in allowed:
                errors.append(f"{src.where((table, 'kinds', raw))}: {kind!r} is not a "
                              f"{table} kind; kinds: {', '.join(allowed)}")
    if errors:
        raise InputError("\n".join(errors))
    return m


def with_maps(m: MappingFile, maps: list[str] | tuple[str, ...]) -> MappingFile:
    """Add ``--map [TABLE.]column=Header`` options to a mapping (they win over the file).

    The table may be left out when the column belongs to one table only (``agent_id``);
    ``amount`` needs ``orders.amount=...`` or ``payouts.amount=...``.
    """
    if not maps:
        return m
    extra: dict[str, dict[str, str]] = {}
    for item in maps:
        key, sep, header = item.partition("=")
        key, header = key.strip(), header.strip()
        if not sep or not key or not header:
            raise InputError(f"--map {item!r}: expected column=Header, e.g. --map "
                             "agent_id=会员号 or --map orders.amount=成交额")
        table, dot, canon = key.rpartition(".")
        if not dot:
            owners = [t for t in SCHEMAS if canon in SCHEMAS[t]]
            if len(owners) > 1:
                raise InputError(f"--map {item!r}: {canon} is a column of "
                                 f"{' and '.join(owners)}; write "
                                 f"{owners[0]}.{canon}={header}")
            table = owners[0] if owners else ""
        if table not in SCHEMAS or canon not in SCHEMAS[table]:
            known = ", ".join(f"{t}.{c}" for t in SCHEMAS for c in SCHEMAS[t])
            raise InputError(f"--map {item!r}: no column {key!r}; columns: {known}")
        extra.setdefault(table, {})[canon] = header
    update = {t: getattr(m, t).model_copy(update={"columns": {**getattr(m, t).columns, **cols}})
              for t, cols in extra.items()}
    return m.model_copy(update=update)


def resolve(table: str, headers: list[str], tm: TableMapping, file: str) -> Resolved:
    """Map file headers to canonical columns; raise with a fix when a required one is missing."""
    cols: dict[str, str] = {}
    by_norm = {norm_header(h): h for h in reversed(headers)}
    for canon, header in tm.columns.items():
        found = header if header in headers else by_norm.get(norm_header(header))
        if found is None:
            raise InputError(
                f"{file}: the mapping names header {header!r} for {table}.{canon}, but the file "
                f"has no such header; headers found: {', '.join(headers)}"
            )
        cols[canon] = found
    taken = set(cols.values())
    aliases = ALIAS_INDEX[table]
    for h in headers:
        alias_of = aliases.get(norm_header(h))
        if alias_of and alias_of not in cols and h not in taken:
            cols[alias_of] = h
            taken.add(h)
    missing = [c for c in REQUIRED[table] if c not in cols]
    if missing:
        raise InputError(missing_columns_message(table, file, headers, missing))
    return Resolved(cols, [h for h in headers if h not in taken])


def missing_columns_message(table: str, file: str, headers: list[str], missing: list[str]) -> str:
    """The error for an unmapped required column: what was found, what is missing, a fix."""
    known = "\n".join(
        f"  names recognised for {c}: {', '.join(HEADER_ALIASES[table][c][:ALIASES_SHOWN])}, ..."
        for c in missing)
    snippet = "\n".join(f"        {c}: \"<header that holds {c}>\"" for c in missing)
    return (
        f"{file}: cannot find required {table} column(s): {', '.join(missing)}\n"
        f"  headers found: {', '.join(headers) if headers else '(none)'}\n"
        f"{known}\n"
        f"  rename the headers, or map them with --mapping FILE.yaml containing:\n"
        f"    {table}:\n"
        f"      columns:\n"
        f"{snippet}"
    )
