"""Which engine runs the set work: `engine: {kind: duckdb | spark, master: …, conf: {…}}` in
migration.yaml and in a scan config (docs/engines.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crmtool.engine import master_problem


class EngineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["duckdb", "spark"] = Field("duckdb", description="duckdb (in-process, the default) or spark")
    master: str = Field("local[*]", description='Spark master: "local[*]", "local[N]", "spark://host:7077", '
                                                '"sc://host" (Spark Connect), "yarn", "k8s://…"')
    conf: dict[str, str] = Field(default_factory=dict, description="extra Spark settings (spark.executor.memory, …)")

    @field_validator("master")
    @classmethod
    def _master(cls, value: str) -> str:
        problem = master_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    def chosen(self, kind: str | None = None, master: str | None = None) -> "EngineConfig":
        """These settings with the command line's --engine / --spark-master over them."""
        from crmtool.errors import ConfigError

        if master is not None:
            problem = master_problem(master)
            if problem:
                raise ConfigError(f"--spark-master: {problem}")
            if (kind or self.kind) != "spark":
                raise ConfigError("--spark-master is a setting of the Spark engine: add --engine spark")
        update = {k: v for k, v in {"kind": kind, "master": master}.items() if v is not None}
        return self.model_copy(update=update)
