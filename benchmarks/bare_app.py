"""The reference for the API read benchmark: a bare FastAPI endpoint returning a fixed page of the same size and
shape as Palermo's entity page, with no authentication, policy or database."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from fastapi import FastAPI

app = FastAPI()
PAGE: dict[str, Any] = json.loads(Path(os.environ["BARE_PAGE"]).read_text())


@app.get("/api/cases/{ref}/entities")
def entities(ref: str, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """The same page every time."""
    return PAGE
