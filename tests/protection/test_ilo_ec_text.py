"""The ILO/EC operational indicators (2009) against the ILO/EC text that was read: the ILO's and the European
Commission's publication pages. The brochure's lists and combination rule were not read (docs/protection.md,
"Sources and their verification"), so no test here reproduces a strength or the rule; what the text names is
checked, and a flag that claims more than the text shows fails."""

from __future__ import annotations

import pytest

from palermo.protection import load_indicators

SETS = ("ilo_ec_2009_adults_labour", "ilo_ec_2009_children_labour")

# https://www.ilo.org/global/topics/forced-labour/publications/WCMS_105023/lang--en/index.htm (the Commission's page,
# https://ec.europa.eu/anti-trafficking/publications/operational-indicators-trafficking-human-beings_en, has the same
# list): "This paper presents four lists of operational indicators of trafficking (respectively for adults and
# children in labour and sexual exploitation) which can be used to assess the situation of a potential victim of
# trafficking with respect to each of the six main elements of the definition of trafficking in human beings, as
# found in the Palermo Protocol : deceptive recruitment (including transfer and transport), coercive recruitment,
# recruitment by abuse of vulnerability, exploitation, coercion at destination and abuse of vulnerability at
# destination."
SIX_ELEMENTS = {
    "deceptive_recruitment": "deceptive recruitment (including transfer and transport)",
    "coercive_recruitment": "coercive recruitment",
    "recruitment_by_abuse_of_vulnerability": "recruitment by abuse of vulnerability",
    "exploitative_conditions_of_work": "exploitation",
    "coercion_at_destination": "coercion at destination",
    "abuse_of_vulnerability_at_destination": "abuse of vulnerability at destination",
}


@pytest.fixture(scope="module")
def library():
    return load_indicators()


@pytest.mark.parametrize("set_id", SETS)
def test_each_labour_list_follows_the_six_elements_in_the_pages_order(library, set_id):
    s = library.set(set_id)
    assert [d.key for d in s.dimensions] == list(SIX_ELEMENTS)
    assert all(s.dimension(i.dimension).key in SIX_ELEMENTS for i in s.indicators if i.dimension)


@pytest.mark.parametrize("set_id", SETS)
def test_a_dimension_label_is_verified_only_in_the_pages_words_and_partly_otherwise(library, set_id):
    for d in library.set(set_id).dimensions:
        words = SIX_ELEMENTS[d.key]
        if d.label.lower() == words:
            assert d.citation.verified is True, d.key
        else:
            # "coercive recruitment" and "exploitation": the element is on the page, the label's wording is not
            assert d.citation.verified == "partial", d.key
            assert f'"{words}"' in (d.citation.note or ""), d.key


@pytest.mark.parametrize("set_id", SETS)
def test_nothing_the_text_read_does_not_show_is_marked_verified(library, set_id):
    s = library.set(set_id)
    assert [i.key for i in s.indicators if i.citation.verified is not False] == []  # the lists were not read
    assert s.rule.citation.verified is False  # nor the combination rule
    assert s.verified is False
    source = library.source("ilo_ec_2009")
    assert "Not read: the lists, their strengths and the combination rule" in (source.note or "")
