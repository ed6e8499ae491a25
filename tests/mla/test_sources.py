"""The provisions requests quote: read in a named source, with a verification flag; a summary of words not read is
never marked verified; the citation names agree with the law library's."""

from __future__ import annotations

import pytest

from palermo.errors import NotFound
from palermo.law import Library
from palermo.mla import CHECKS
from palermo.mla.layout import QUOTED
from palermo.mla.sources import cite, provision, sources


def test_every_provision_names_where_it_was_read() -> None:
    data = sources()
    for key, p in data.provisions.items():
        assert p.src and all(s in data.sources for s in p.src), key
        assert (p.text is not None) == (p.verified is True), key  # verified words are quoted; the rest summarised
    assert {k for c in CHECKS.values() for k in c.basis} <= set(data.provisions)
    assert {k for keys in QUOTED.values() for k in keys} <= set(data.provisions)
    assert data.sources["UNODC_MLA_TOOL"].caveat and "not read" in data.sources["UNODC_MLA_TOOL"].caveat
    with pytest.raises(NotFound):
        provision("untoc.99")


def test_citation_names_agree_with_the_law_library(library: Library) -> None:
    untoc = library.instrument("untoc")
    assert cite("untoc.18.20").title == untoc.citation_name
    assert cite("untoc.18.20").label == "UNTOC, Art. 18(20)"
    assert cite("cets185.29.2").label == "Budapest Convention, Art. 29(2)"
    assert cite("model_extradition.5.2").label == "UN Model Treaty on Extradition, Art. 5(2) [UNVERIFIED]"
    # the law library's summary of Art. 18 names the same refusal grounds the quotation holds
    grounds = untoc.provision("untoc.art18.mla").data["refusal_grounds"]
    assert len(grounds) == str(provision("untoc.18.21").text).count(") If ")
