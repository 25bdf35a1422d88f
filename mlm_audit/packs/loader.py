"""Load, validate and resolve rule packs; every error carries ``file:line``."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mlm_audit.checks import REGISTRY
from mlm_audit.checks.base import CheckParams
from mlm_audit.model import InputError
from mlm_audit.packs import yamlsrc
from mlm_audit.packs.schema import PackModel, RuleModel


class PackError(InputError):
    """A pack (or ``--set`` override) that cannot be used; lists every problem."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class Rule:
    """A rule ready to run: its pack, its model and validated check params."""

    pack: str
    model: RuleModel
    params: CheckParams

    @property
    def id(self) -> str:
        return self.model.id


@dataclass(frozen=True)
class Pack:
    model: PackModel
    path: str
    sha256: str
    rules: tuple[Rule, ...]  # own rules and inherited ones, in order

    @property
    def name(self) -> str:
        return self.model.pack

    def to_dict(self) -> dict[str, Any]:
        return {
            "pack": self.name,
            "version": self.model.version,
            "path": self.path,
            "sha256": self.sha256,
            "rules": [r.id for r in self.rules],
        }


def rules_dir() -> Path:
    """Shipped packs: inside the installed package, or ``rules/`` of a source checkout."""
    installed = Path(str(resources.files("mlm_audit"))) / "_rules"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "rules"


def shipped_packs() -> list[str]:
    return sorted(p.stem for p in rules_dir().glob("*.yaml"))


def suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def resolve_path(name_or_file: str) -> Path:
    p = Path(name_or_file)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.is_file():
            raise PackError([f"{name_or_file}: pack file not found"])
        return p
    candidate = rules_dir() / f"{name_or_file}.yaml"
    if candidate.is_file():
        return candidate
    names = shipped_packs()
    raise PackError(
        [f"unknown pack {name_or_file!r}{suggest(name_or_file, names)} "
         f"(shipped packs: {', '.join(names)}; or give a path to a .yaml file)"]
    )


def _message(err: Any) -> str:
    """Pydantic's message without its "Value error, " prefix (our validators say enough)."""
    ctx = err.get("ctx") or {}
    if err["type"] == "value_error" and "error" in ctx:
        return str(ctx["error"])
    return str(err["msg"])


def _locate_validation(e: ValidationError, src: yamlsrc.Located, prefix: tuple[Any, ...]
                       ) -> list[str]:
    out = []
    for err in e.errors():
        loc = prefix + tuple(err["loc"])
        where = src.where(loc)
        dotted = ".".join(str(x) for x in loc) or "(top)"
        if err["type"] == "extra_forbidden" and len(loc) >= 1:
            out.append(f"{where}: unknown key {dotted!r}")
            continue
        out.append(f"{where}: {dotted}: {_message(err)}")
    return out


def validate_params(rule: RuleModel | dict[str, Any], src: yamlsrc.Located,
                    path: tuple[Any, ...]) -> tuple[CheckParams | None, list[str]]:
    """Check name and params of one rule (a model, or the raw mapping of an invalid one)."""
    check = rule.check if isinstance(rule, RuleModel) else rule.get("check")
    raw = rule.params if isinstance(rule, RuleModel) else rule.get("params", {})
    if not isinstance(check, str):
        return None, []  # reported by the rule schema
    ct = REGISTRY.get(check)
    if ct is None:
        return None, [
            f"{src.where(path + ('check',))}: unknown check {check!r}"
            f"{suggest(check, list(REGISTRY))} (see 'mlm-audit rules list')"
        ]
    if not isinstance(raw, dict):
        return None, []
    errors = []
    fields = list(ct.params.model_fields)
    for key in raw:
        if key not in ct.params.model_fields:
            errors.append(
                f"{src.where(path + ('params', key))}: check {check!r} has no parameter "
                f"{key!r}{suggest(str(key), fields)} (parameters: {', '.join(fields)})"
            )
    if errors:
        return None, errors
    try:
        return ct.params.model_validate(raw), []
    except ValidationError as e:
        return None, _locate_validation(e, src, path + ("params",))


def _validate_rules(src: yamlsrc.Located, pack_name: str
                    ) -> tuple[list[Rule], list[str]]:
    """Every rule on its own, so one bad rule does not hide the errors of the others."""
    data = src.data if isinstance(src.data, dict) else {}
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        return [], [f"{src.where(('rules',))}: rules must be a list of rules"]
    rules: list[Rule] = []
    errors: list[str] = []
    seen_ids: dict[str, int] = {}
    for i, raw in enumerate(raw_rules):
        path: tuple[Any, ...] = ("rules", i)
        if not isinstance(raw, dict):
            errors.append(f"{src.where(path)}: a rule is a mapping with id, check, severity, "
                          "title, params, references")
            continue
        rid = raw.get("id")
        if isinstance(rid, str) and rid in seen_ids:
            errors.append(f"{src.where(path + ('id',))}: duplicate rule id {rid!r} "
                          f"(first at {src.where(('rules', seen_ids[rid], 'id'))})")
            continue
        if isinstance(rid, str):
            seen_ids[rid] = i
        model: RuleModel | None = None
        try:
            model = RuleModel.model_validate(raw)
        except ValidationError as e:
            errors.extend(_locate_validation(e, src, path))
        params, errs = validate_params(model if model is not None else raw, src, path)
        errors.extend(errs)
        if model is not None and params is not None:
            rules.append(Rule(pack_name, model, params))
    return rules, errors


def _line_of(error: str) -> tuple[str, int]:
    file, _, rest = error.partition(":")
    line = rest.split(":", 1)[0]
    return (file, int(line)) if line.isdigit() else (file, 0)


def load_pack(name_or_file: str, _seen: tuple[str, ...] = ()) -> Pack:
    path = resolve_path(name_or_file)
    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="replace")
    src = yamlsrc.load(text, str(path))
    errors = list(src.errors)  # duplicate keys: reported, and the rest is still checked
    if not isinstance(src.data, dict):
        if not errors:
            errors.append(f"{path}:1: a pack is a mapping with keys pack, version, title, rules")
        raise PackError(errors)
    top = {k: v for k, v in src.data.items() if k != "rules"}
    model: PackModel | None = None
    try:
        model = PackModel.model_validate({**top, "rules": []})
    except ValidationError as e:
        errors.extend(_locate_validation(e, src, ()))
    pack_name = model.pack if model is not None else str(top.get("pack", path.stem))
    own, rule_errors = _validate_rules(src, pack_name)
    errors.extend(rule_errors)
    if errors or model is None:
        raise PackError(sorted(errors, key=_line_of))
    model = model.model_copy(update={"rules": [r.model for r in own]})

    rules: list[Rule] = []
    for parent in model.extends:
        if parent in _seen or parent == model.pack:
            raise PackError([f"{src.where(('extends',))}: pack {model.pack!r} extends itself"
                             f" through {parent!r}"])
        try:
            rules.extend(load_pack(parent, _seen + (model.pack,)).rules)
        except PackError as e:
            raise PackError([f"{src.where(('extends',))}: in pack {parent!r} extended here:"]
                            + e.errors) from None
    for rule in own:
        rules = [r for r in rules if r.id != rule.id]  # a pack may redefine an inherited rule
        rules.append(rule)
    return Pack(model, str(path), hashlib.sha256(raw).hexdigest(), tuple(rules))


def collect_rules(packs: list[Pack]) -> list[Rule]:
    """Rules of several packs, each rule id once (shared parents are not run twice)."""
    out: dict[str, Rule] = {}
    errors = []
    for pack in packs:
        for rule in pack.rules:
            prior = out.get(rule.id)
            if prior is not None and prior.model != rule.model:
                errors.append(f"rule {rule.id} is defined differently in packs "
                              f"{prior.pack!r} and {rule.pack!r}")
            out.setdefault(rule.id, rule)
    if errors:
        raise PackError(errors)
    return [r for r in out.values() if r.model.enabled]


def apply_overrides(rules: list[Rule], sets: list[str]) -> list[Rule]:
    """``--set RULE.param=value`` (value parsed as YAML) for one run."""
    by_id = {r.id: r for r in rules}
    errors = []
    changes: dict[str, dict[str, Any]] = {}
    for item in sets:
        key, sep, value = item.partition("=")
        rid, dot, param = key.strip().rpartition(".")
        if not sep or not dot or not rid or not param:
            errors.append(f"--set {item!r}: expected RULE.param=value, e.g. CN-CR-01.min_levels=4")
            continue
        if rid not in by_id:
            errors.append(f"--set {item!r}: no rule {rid!r} in the selected packs"
                          f"{suggest(rid, list(by_id))}")
            continue
        try:
            parsed = yamlsrc.load(value, "--set").data
        except Exception:  # pragma: no cover - yamlsrc collects its own errors
            parsed = value
        changes.setdefault(rid, {})[param] = parsed
    out = []
    for rule in rules:
        if rule.id not in changes:
            out.append(rule)
            continue
        ct = REGISTRY[rule.model.check]
        merged = {**rule.params.model_dump(), **changes[rule.id]}
        unknown = [k for k in changes[rule.id] if k not in ct.params.model_fields]
        if unknown:
            errors.append(f"--set {rule.id}.{unknown[0]}: check {rule.model.check!r} has no "
                          f"parameter {unknown[0]!r}"
                          f"{suggest(unknown[0], list(ct.params.model_fields))}")
            continue
        try:
            params = ct.params.model_validate(merged)
        except ValidationError as e:
            errors.extend(f"--set {rule.id}.{'.'.join(map(str, er['loc']))}: {_message(er)}"
                          for er in e.errors())
            continue
        out.append(Rule(rule.pack, rule.model, params))
    if errors:
        raise PackError(errors)
    return out
