"""The exchange tests' small world (agencies, agreements, a case, a custody record), made once a module."""

from __future__ import annotations

import pytest

from .helpers import World, world


@pytest.fixture(scope="module")
def w() -> World:
    return world()
