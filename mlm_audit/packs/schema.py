"""Rule-pack schema (DESIGN.md §6)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mlm_audit.model import Reference, Severity


class Text(BaseModel):
    """A human-readable text in English and Chinese."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class RefModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    source: str = Field(min_length=1)
    article: str = ""
    url: str = ""

    def to_reference(self) -> Reference:
        return Reference(self.source, self.article, self.url)


class RuleModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^[A-Z][A-Z0-9]*(-[A-Za-z0-9]+)+$", max_length=40)
    check: str
    severity: Severity
    title: Text
    params: dict[str, Any] = Field(default_factory=dict)
    references: list[RefModel] = Field(default_factory=list)
    basis: str = Field(
        "law",
        pattern="^(law|case|order|industry|engineering-default|benchmark)$",
        description="Where the threshold comes from; 'engineering-default' is not law.",
    )
    note: str = ""
    enabled: bool = True

    @field_validator("severity", mode="before")
    @classmethod
    def _lower(cls, v: Any) -> Any:
        return v.lower() if isinstance(v, str) else v


class PackModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: Text
    description: str = ""
    extends: list[str] = Field(default_factory=list)
    rules: list[RuleModel] = Field(default_factory=list)

    @field_validator("extends", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v
