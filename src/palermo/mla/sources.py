"""The provisions a request quotes or rests on, word for word as read in a named source with its verification flag,
and the sources themselves with what was and was not read in each (packaged data: ``data/sources.yaml``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from palermo import yamlfile
from palermo.errors import NotFound
from palermo.law.schema import SourceRef
from palermo.model import Citation, Frozen, Verified

DATA = Path(__file__).parent / "data"


class Source(SourceRef):
    """Where a text was read (a URL, or a repository path at a commit, as the law library records its sources);
    ``read`` says what was read there and ``caveat`` what was not."""

    read: str

    @property
    def where(self) -> str:
        """The address of the text: its URL, or 'repo:path@commit'."""
        return self.url or f"{self.repo}:{self.path}@{(self.commit or '')[:12]}"


class Provision(Frozen):
    """One provision: its words as read (``text``) or, where the words were not read, a ``summary`` that is never
    marked verified."""

    instrument: str
    article: str
    text: str | None = None
    summary: str | None = None
    verified: Verified
    note: str | None = None
    src: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _words(self) -> Provision:
        if (self.text is None) == (self.summary is None):
            raise ValueError("give either the text as read or a summary")
        if self.summary is not None and self.verified is not False:
            raise ValueError("a summary of words not read is 'verified: false'")
        return self


class Sources(Frozen):
    """The packaged sources file."""

    version: Literal[1]
    sources: dict[str, Source]
    provisions: dict[str, Provision]
    instruments: dict[str, str] = Field(description="instrument id -> the name citations use")

    @model_validator(mode="after")
    def _known(self) -> Sources:
        for key, p in self.provisions.items():
            if p.instrument not in self.instruments:
                raise ValueError(f"provisions.{key}.instrument: unknown instrument {p.instrument!r}")
            for src in p.src:
                if src not in self.sources:
                    raise ValueError(f"provisions.{key}.src: unknown source {src!r}")
        return self


@cache
def sources() -> Sources:
    """The packaged provisions and sources (read once)."""
    return yamlfile.load_file(Sources, DATA / "sources.yaml")


def provision(key: str) -> Provision:
    """A provision by key, e.g. ``untoc.18.15.a``."""
    try:
        return sources().provisions[key]
    except KeyError:
        raise NotFound(f"no provision {key!r} in the request sources") from None


def cite(key: str) -> Citation:
    """A provision as a citation ('UNTOC, Art. 18(15)(a)') carrying its words and verification flag."""
    p = provision(key)
    return Citation(source=p.instrument, article=p.article, text=p.text or p.summary, verified=p.verified,
                    title=sources().instruments[p.instrument])


def sources_of(key: str) -> list[Source]:
    """The sources a provision was read in."""
    return [sources().sources[s] for s in provision(key).src]
