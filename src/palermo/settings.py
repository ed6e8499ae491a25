"""Deployment settings: one class, read from PALERMO_* environment variables, injected by the outer layers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Palermo's settings. Only the CLI, the API and the web layer read them."""

    model_config = SettingsConfigDict(env_prefix="PALERMO_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    profiles: str = ""
    """Folders of extra or overriding law profiles, separated by the OS path separator (':' on Linux)."""
    database_url: str = ""
    """SQLAlchemy URL of the case database, e.g. postgresql+psycopg://palermo@db/palermo; empty: SQLite in data_dir."""
    database_role: str = "palermo_app"
    """PostgreSQL role the application acts as (row-level security applies to it); empty to act as the login."""
    secret_key: str = ""
    """Base64 of 32 bytes: the master key wrapping agency data keys; empty: data_dir/secret.key (created once)."""
    max_upload_bytes: int = 25 * 1024 * 1024
    secure_cookies: bool = False
    """Mark session cookies Secure (set when served over HTTPS)."""
    session_hours: int = 12
    typologies: str = ""
    """Folders or files of extra or overriding typology rules, separated by the OS path separator."""
    ledger: Path | None = None
    """DuckDB file of transactions, parties and alerts; default data_dir/finance.duckdb."""
    goaml_xsd: Path | None = None
    """The FIU's goAML schema (XSD) that reports are validated against before they are written."""
    goaml_profile: Path | None = None
    """YAML of the FIU's goAML codes; default: the packaged generic profile."""
    watchlist: Path | None = None
    """FtM / OpenSanctions JSON lines file that parties are screened against."""
    stats_store: Path | None = None
    """DuckDB file of victim-level datasets and their privacy-budget ledgers; default data_dir/stats.duckdb."""
    index_3p: Path | None = None
    """A CSV of the 3P Anti-Trafficking Policy Index you hold (not packaged); shown on scorecards when set."""
    spark_master: str = "local[*]"
    """Spark master for `palermo finance monitor --engine spark`: local[*] or a cluster URL."""

    def case_store_options(self) -> dict[str, Any]:
        """Keyword arguments of `palermo.cases.open_case_store` for these settings."""
        return {"url": self.database_url or None, "secret": self.secret_key or None,
                "max_upload": self.max_upload_bytes, "app_role": self.database_role or None}

    def desk_options(self) -> dict[str, Any]:
        """Keyword arguments of `palermo.finance.desk.Desk` for these settings."""
        return {"ledger_path": self.ledger or self.data_dir / "finance.duckdb",
                "typologies": [Path(p) for p in self.typologies.split(os.pathsep) if p.strip()],
                "goaml_profile": self.goaml_profile, "goaml_xsd": self.goaml_xsd, "watchlist": self.watchlist}

    @property
    def stats_store_path(self) -> Path:
        """Where the statistics store lives."""
        return self.stats_store or self.data_dir / "stats.duckdb"

    @property
    def profile_dirs(self) -> list[Path]:
        return [Path(p) for p in self.profiles.split(os.pathsep) if p.strip()]
