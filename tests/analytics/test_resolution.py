"""The resolution engine with Splink on DuckDB: on FEBRL's tuning records (FEBRL1-3, never FEBRL4) it finds the
duplicates; each pair's explanation adds up to its match weight; a saved model scores the same; features are read
from FtM properties the same way on both sides; bad models and duplicate records are refused."""

from __future__ import annotations

import pytest

from palermo.analytics.resolution import Entity, Model, score, table, train
from palermo.analytics.resolution_features import family_name, given_name, house, phone, postcode
from palermo.errors import InvalidInput
from tests.analytics.febrl_people import people
from tests.linkage import febrl


@pytest.fixture(scope="module")
def tuning() -> tuple[list, list, Model]:  # type: ignore[type-arg]
    a, b = febrl.tuning()
    frames = [table("person", people(a.iloc[:600], "a")), table("person", people(b.iloc[:600], "b"))]
    return frames, score(model := train("person", frames, link_only=True), frames, link_only=True,
                         threshold=0.01), model


def test_finds_the_duplicates(tuning: tuple[list, list, Model]) -> None:  # type: ignore[type-arg]
    _, found, _ = tuning
    linked = {(c.left, c.right) for c in found if c.probability >= 0.5}
    true = {(f"a:{i}", f"b:{i}") for i in range(600)}
    assert len(linked & true) / len(true) > 0.95
    assert len(linked - true) <= 0.01 * len(linked)


def test_the_waterfall_adds_up(tuning: tuple[list, list, Model]) -> None:  # type: ignore[type-arg]
    _, found, model = tuning
    assert {r.feature for r in found[0].reasons} == set(model.features)
    for c in found:
        assert abs(c.prior + sum(r.weight for r in c.reasons) - c.weight) < 0.01
    agreeing = next(c for c in found if c.probability > 0.99)
    assert max(r.weight for r in agreeing.reasons) > 3  # an agreement on a rare value weighs for a match
    assert all(r.level for r in agreeing.reasons)


def test_a_saved_model_scores_the_same(tuning: tuple[list, list, Model]) -> None:  # type: ignore[type-arg]
    frames, found, model = tuning
    again = score(Model.from_json(model.to_json()), frames, link_only=True, threshold=0.01)
    assert [(c.key, round(c.probability, 6)) for c in again] == [(c.key, round(c.probability, 6)) for c in found]


def test_bad_models_and_duplicate_records_are_refused() -> None:
    with pytest.raises(InvalidInput, match="not a Palermo resolution model"):
        Model.from_json({"version": 2, "kind": "person", "splink": {}})
    with pytest.raises(InvalidInput, match="features must be among"):
        Model.from_json({"version": 1, "kind": "person", "splink": {}, "features": ["shoe_size"]})
    record = Entity("x", "Person", {"name": ["Ana Pop"]})
    with pytest.raises(InvalidInput, match="appears twice"):
        table("person", [record, record])


def test_features_from_ftm_properties() -> None:
    assert given_name({"name": ["Ana Maria Pop"]}) == "ana" and family_name({"name": ["Ana Maria Pop"]}) == "pop"
    assert given_name({"firstName": ["Ștefan"], "name": ["x y"]}) == "stefan"
    assert phone({"phone": ["+40 712 345 678"]}) == phone({"phone": ["0712345678"]})
    assert postcode({"address": ["12 Rue X, 75011 Paris"]}) == "75011"
    assert house({"address": ["12 Victoria Street, London"]}) == "12 victoria"
    assert house({"address": ["12 rue de la Paix, Paris"]}) == "12 paix"  # the street's own name, not 'rue'

    organisations = table("organization", [Entity("o1", "Company", {"name": ["Acme Trading Ltd"]}),
                                           Entity("o2", "Organization", {"name": ["ACME Trading"]}),
                                           Entity("v", "Vehicle", {"name": ["van"]})])
    assert organisations.column("name").to_pylist() == ["acme trading", "acme trading"]


def test_names_in_the_other_order_count_for_a_match(tuning: tuple[list, list, Model]) -> None:  # type: ignore[type-arg]
    _, _, model = tuning
    born = {"birthDate": ["1984-03-07"], "address": ["14 Maple Street Springfield 2204"]}
    left = Entity("a:x", "Person", {"firstName": ["Ioana"], "lastName": ["Dumitrescu"], **born}, "a")
    swapped = Entity("b:x", "Person", {"firstName": ["Dumitrescu"], "lastName": ["Ioana"], **born}, "b")
    other = Entity("b:y", "Person", {"firstName": ["Marta"], "lastName": ["Ioana"], **born}, "b")
    found = score(model, [table("person", [left]), table("person", [swapped, other])], link_only=True,
                  threshold=0.0)
    by_right = {c.right: {r.feature: r for r in c.reasons} for c in found}
    for name in ("given_name", "family_name"):
        assert "reversed" in by_right["b:x"][name].level.lower() and by_right["b:x"][name].weight > 0
        assert by_right["b:y"][name].weight < by_right["b:x"][name].weight  # one shared word is not a swap
