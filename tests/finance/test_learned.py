"""The learned layer: trained on labelled accounts, saved as JSON and read back, alerts that name their features."""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from palermo.errors import InvalidInput
from palermo.finance import learned
from palermo.finance.features import NAMES


def accounts(seed: int, n: int = 600) -> tuple[dict[str, tuple[float, ...]], set[str]]:
    """Accounts whose laundering ones split payments often (feature max_same_pair_day); the rest is noise."""
    rng = random.Random(seed)
    split = NAMES.index("max_same_pair_day")
    features, laundering = {}, set()
    for i in range(n):
        bad = i % 10 == 0
        row = [rng.uniform(0, 20) for _ in NAMES]
        row[split] = rng.choice([3.0, 4.0, 5.0]) if bad else 1.0
        features[f"acc{i}"] = tuple(row)
        if bad:
            laundering.add(f"acc{i}")
    return features, laundering


def test_a_model_learned_on_one_set_flags_the_same_kind_of_account_on_another(tmp_path: Path) -> None:
    features, laundering = accounts(1)
    model = learned.train(features, laundering, trained_on="set one")
    assert (model.accounts, model.laundering) == (600, 60)
    other, truth = accounts(2)
    alerts = learned.score(model, other)
    flagged = {a.account for a in alerts}
    # on the training set, the threshold keeps 80% of the flagged accounts laundering, all of them found
    trained = {a.account for a in learned.score(model, features)}
    assert laundering <= trained and len(laundering) / len(trained) >= 0.8
    assert truth <= flagged and len(truth) / len(flagged) >= 0.5
    assert all(a.reasons[0].feature == "max_same_pair_day" for a in alerts if a.account in truth)
    assert alerts[0].reasons[0].typical == 1.0 and alerts[0].reasons[0].value >= 3
    assert "one counterparty on one day" in alerts[0].reasons[0].description
    path = tmp_path / "model.json"
    learned.save(model, path)
    again = learned.load(path)
    assert again == model and learned.score(again, other) == alerts


def test_a_bad_model_file_is_refused_naming_file_and_field(tmp_path: Path) -> None:
    features, laundering = accounts(1)
    path = tmp_path / "model.json"
    learned.save(learned.train(features, laundering, trained_on="x"), path)
    data = json.loads(path.read_text())
    data["threshold"] = 3
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidInput, match=r"model\.json: threshold: "):
        learned.load(path)
    data["threshold"], data["weights"] = 0.5, data["weights"][:-1]
    path.write_text(json.dumps(data))
    with pytest.raises(InvalidInput, match="one length"):
        learned.load(path)
    path.write_text("{not json")
    with pytest.raises(InvalidInput, match=r"model\.json:1: not JSON"):
        learned.load(path)


def test_labels_of_one_kind_only_cannot_teach_anything() -> None:
    features, _ = accounts(1)
    with pytest.raises(InvalidInput, match="both laundering and other"):
        learned.train(features, set(), trained_on="x")


def test_a_model_can_be_measured_with_features_beyond_the_packaged_ones() -> None:
    features, laundering = accounts(1)
    names = (*NAMES, "extra")
    wider = {a: (*f, 1.0 if a in laundering else 0.0) for a, f in features.items()}
    model = learned.train(wider, laundering, trained_on="x", names=names)
    assert model.features == names
    flagged = learned.score(model, wider, names=names)
    assert {a.account for a in flagged} >= laundering
    # an unnamed feature is explained by its name; the packaged names refuse such a model
    assert any(r.description == "extra" for a in flagged for r in a.reasons)
    with pytest.raises(InvalidInput, match="other features"):
        learned.score(model, features)
