"""The services a CLI command works with, opened from the settings. Only the commands that set up a deployment
(`palermo serve`, `palermo db upgrade`) may create a store; every other command needs one that exists, so a command
run in the wrong folder says so instead of starting an empty store with a new key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from palermo.errors import InvalidInput
from palermo.settings import Settings

if TYPE_CHECKING:
    from palermo.services import Services


def settings_for(*, create: bool = False, instead: str = "") -> Settings:
    """The settings, after checking there is a store to use (unless this command may create one); `instead` names
    a command's own way round it, such as `--ledger FILE`."""
    settings = Settings()
    if not create and not settings.has_store():
        where = settings.data_dir.resolve()
        looked = "PALERMO_DATA_DIR" if "data_dir" in settings.model_fields_set else \
            "looked for data/palermo.db from this folder up"
        raise InvalidInput(f"no Palermo store at {where} ({looked})",
                           hint="run the command from the folder that holds data/, set PALERMO_DATA_DIR, "
                                + (f"give {instead}, " if instead else "") + "or create a store with `palermo db "
                                "upgrade`")
    return settings


def services(*, create: bool = False) -> Services:
    """The services over the deployment's store; imported here so `palermo law ...` and `--help` start fast."""
    from palermo.services import open_services

    settings = settings_for(create=create)
    return open_services(settings.data_dir, **settings.service_options())
