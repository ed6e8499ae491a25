from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

warnings.filterwarnings("ignore", message=".*httpx2.*")
# Everything a test starts (apps, CLI subprocesses) keeps its data out of the checkout.
os.environ.setdefault("PALERMO_DATA_DIR", tempfile.mkdtemp(prefix="palermo-test-"))

from palermo.law import Library, load_library  # noqa: E402

if TYPE_CHECKING:
    from fastapi import FastAPI

    from palermo.cases import CaseStore
    from palermo.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
POSTGRES_ADMIN_URL = os.environ.get("PALERMO_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI") == "true"


SHARED_CANDIDATES = [Path(p) for p in [os.environ.get("PALERMO_SHARED_DATA", "")] if p] + [
    ROOT.parent / "shared" / "data", Path("/work/shared/data")]


@pytest.fixture(scope="session")
def shared_data() -> Callable[[str], Path]:
    """A folder of the workplace's restricted data sets (not shipped): skipped on a user's clone, required in CI."""
    def folder(name: str) -> Path:
        for base in SHARED_CANDIDATES:
            if (base / name).is_dir():
                return base / name
        reason = f"../shared/data/{name} is not here (restricted data, read from the workplace only)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return folder


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()


def _postgres_reachable() -> str | None:
    import psycopg

    try:
        with psycopg.connect(POSTGRES_ADMIN_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except psycopg.OperationalError as exc:
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (dropped at the end). Required in CI."""
    problem = _postgres_reachable()
    if problem:
        if IN_CI:
            pytest.fail(f"CI must run the store suite on PostgreSQL, but {POSTGRES_ADMIN_URL} is unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} ({problem}); set PALERMO_TEST_POSTGRES")
    import psycopg

    name = f"palermo_test_{os.getpid()}"
    admin = POSTGRES_ADMIN_URL.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None (SQLite in the test's data dir) or the session's PostgreSQL database, emptied for this test."""
    if backend == "sqlite":
        return None
    url: str = request.getfixturevalue("postgres_url")
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


def app_over(settings: Settings, cs: CaseStore | None = None) -> FastAPI:
    """The full application over these settings, on a case store a test opened itself (fast password hashing)."""
    from palermo.services import open_services
    from palermo.web import create_app

    return create_app(settings, open_services(settings.data_dir, case_store=cs, **settings.service_options()))
