"""Deployment settings: one class, read from PALERMO_* environment variables, injected by the outer layers."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Palermo's settings. Only the CLI, the API and the web layer read them."""

    model_config = SettingsConfigDict(env_prefix="PALERMO_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    profiles: str = ""
    """Folders of extra or overriding law profiles, separated by the OS path separator (':' on Linux)."""

    @property
    def profile_dirs(self) -> list[Path]:
        return [Path(p) for p in self.profiles.split(os.pathsep) if p.strip()]
