"""YAML with line numbers: every value's ``file:line`` is kept, duplicate keys rejected."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path_ = tuple[str | int, ...]


@dataclass
class Located:
    """Parsed YAML plus the line of every mapping key / sequence item, by path."""

    data: Any
    file: str
    lines: dict[Path_, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def where(self, path: Path_) -> str:
        """``file:line`` of the deepest known prefix of ``path``."""
        p = tuple(path)
        while p and p not in self.lines:
            p = p[:-1]
        return f"{self.file}:{self.lines.get(p, 1)}"


def load(text: str, file: str) -> Located:
    """Parse YAML text. Syntax errors and duplicate keys go to ``errors`` with their line."""
    out = Located(data=None, file=file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(e, "problem", None) or str(e)
        out.errors.append(f"{file}:{line}: invalid YAML: {problem}")
        return out
    if node is None:
        out.data = None
        return out
    out.data = _convert(node, (), out)
    return out


def _convert(node: yaml.Node, path: Path_, out: Located) -> Any:
    out.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = yaml.SafeLoader(
                ""
            ).construct_object(key_node, deep=True)  # scalars only in our formats
            if isinstance(key, (list, dict)):
                out.errors.append(f"{out.file}:{key_node.start_mark.line + 1}: keys must be text")
                continue
            if key in result:
                out.errors.append(
                    f"{out.file}:{key_node.start_mark.line + 1}: duplicate key {key!r} "
                    f"(first at line {out.lines[path + (key,)]})"
                )
                continue
            out.lines[path + (key,)] = key_node.start_mark.line + 1
            result[key] = _convert(value_node, path + (key,), out)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), out) for i, item in enumerate(node.value)]
    return yaml.SafeLoader("").construct_object(node, deep=True)
