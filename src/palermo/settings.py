"""Deployment settings: one class, read from PALERMO_* environment variables, injected by the outer layers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

STORE_MARKERS = ("palermo.db", "secret.key")
"""Files that show a folder is a Palermo data directory."""


def find_data_dir(start: Path | None = None) -> Path:
    """The data directory when PALERMO_DATA_DIR is not set: the nearest `data/` folder holding a Palermo store in
    the working directory or one of its parents (as git finds `.git`), else `./data`. The CLI and the server
    resolve it the same way, so a command run from a sub-folder reaches the store `make run` created."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "data"
        if any((candidate / marker).exists() for marker in STORE_MARKERS):
            return candidate
    return Path("data")


class Settings(BaseSettings):
    """Palermo's settings. Only the CLI, the API and the web layer read them."""

    model_config = SettingsConfigDict(env_prefix="PALERMO_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Field(default_factory=find_data_dir)
    """Where the SQLite store, the master key, attachments and the DuckDB files live (see `find_data_dir`)."""
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
    """Folder of the finance ledgers, one DuckDB file per agency (AGENCY.duckdb: its transactions, parties, alerts
    and screening hits); default data_dir/finance."""
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
    threads: int = 4
    """Threads per server process that run blocking work (database calls). Few is faster: Python threads share
    one interpreter lock, and 40 threads contending for it doubled the CPU cost of a request (docs/performance.md)."""
    workers: int = 1
    """Server processes for `palermo serve` (each opens its own pool; see docs/cases.md for SQLite and PostgreSQL)."""
    spark_master: str = "local[*]"
    """Spark master for `palermo finance monitor --engine spark`: local[*] or a cluster URL."""

    def case_store_options(self) -> dict[str, Any]:
        """Keyword arguments of `palermo.cases.open_case_store` for these settings."""
        return {"url": self.database_url or None, "secret": self.secret_key or None,
                "max_upload": self.max_upload_bytes, "app_role": self.database_role or None}

    def service_options(self) -> dict[str, Any]:
        """Keyword arguments of `palermo.services.open_services` for these settings."""
        return {"database_url": self.database_url or None, "secret": self.secret_key or None,
                "max_upload": self.max_upload_bytes, "app_role": self.database_role or None,
                "profiles": self.profile_dirs, "ledger": self.ledger, "typologies": self.typology_dirs,
                "goaml_profile": self.goaml_profile, "goaml_xsd": self.goaml_xsd, "watchlist": self.watchlist,
                "stats_store": self.stats_store, "index_3p": self.index_3p}

    @property
    def typology_dirs(self) -> list[Path]:
        """The folders or files of extra typology rules."""
        return [Path(p) for p in self.typologies.split(os.pathsep) if p.strip()]

    def has_store(self) -> bool:
        """Is there a Palermo store here: a data directory with one, or a database URL with its key?"""
        if self.database_url:
            return bool(self.secret_key) or (self.data_dir / "secret.key").exists()
        return any((self.data_dir / marker).exists() for marker in STORE_MARKERS)

    @property
    def stats_store_path(self) -> Path:
        """Where the statistics store lives."""
        return self.stats_store or self.data_dir / "stats.duckdb"

    @property
    def profile_dirs(self) -> list[Path]:
        return [Path(p) for p in self.profiles.split(os.pathsep) if p.strip()]
