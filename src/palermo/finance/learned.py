"""The optional learned layer: a logistic model over the account features, trained on an FIU's labelled accounts.

The model is a weighted sum of standardised features, so each alert names the features that pushed it up, in
the words of ``features.FEATURES``. It is saved as a small JSON file (no pickle: loading a model file runs no
code). Fitting needs scikit-learn (``pip install 'palermo[learn]'``); scoring needs only numpy. The rules stay the
explanation a prosecutor reads; this layer ranks accounts for an analyst to look at.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError

from palermo.errors import InvalidInput
from palermo.finance.features import FEATURES, NAMES
from palermo.model import Frozen

DESCRIPTIONS = {f.name: f.description for f in FEATURES}


class Model(Frozen):
    """A trained model as saved: feature names, scaling, weights, the alert threshold and what it learned from."""

    version: Literal[1] = 1
    kind: Literal["logistic"] = "logistic"
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    threshold: float = Field(gt=0, lt=1, description="probability from which an account is flagged")
    trained_on: str = Field(description="what the labels came from, for the record")
    accounts: int
    laundering: int


@dataclass(frozen=True)
class Reason:
    """One feature's push on an account's score: its value, the median account's, and its weight in the score."""

    feature: str
    description: str
    value: float
    typical: float
    push: float


@dataclass(frozen=True)
class LearnedAlert:
    """An account the model flags, with its probability and the features that drove it, strongest first."""

    account: str
    probability: float
    reasons: tuple[Reason, ...]


def _matrix(features: Mapping[str, Sequence[float]], names: Sequence[str]) -> tuple[list[str], Any]:
    accounts = sorted(features)
    raw = np.array([features[a] for a in accounts], dtype=float).reshape(len(accounts), len(names))
    return accounts, np.sign(raw) * np.log1p(np.abs(raw))  # heavy-tailed counts and ratios on one footing


def train(features: Mapping[str, Sequence[float]], labels: set[str], *, trained_on: str,
          target_precision: float = 0.8, names: tuple[str, ...] = NAMES) -> Model:
    """Fit the model on labelled accounts (``labels``: the laundering ones); the threshold is the lowest score at
    which the training accounts flagged are still ``target_precision`` laundering. ``names``: the features' names,
    when measuring features beyond the packaged ones."""
    try:
        from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]  # sklearn ships no stubs
    except ImportError:  # pragma: no cover - depends on the installation
        raise InvalidInput("training needs scikit-learn", hint="pip install 'palermo[learn]'") from None
    accounts, x = _matrix(features, names)
    y = np.array([1 if a in labels else 0 for a in accounts])
    if y.sum() == 0 or y.sum() == len(y):
        raise InvalidInput("the labels need both laundering and other accounts among those with payments")
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    fit = LogisticRegression(max_iter=2000).fit((x - mean) / scale, y)
    weights, intercept = fit.coef_[0], float(fit.intercept_[0])
    probs = 1 / (1 + np.exp(-(((x - mean) / scale) @ weights + intercept)))
    order = np.argsort(-probs)
    hits = np.cumsum(y[order]) / np.arange(1, len(y) + 1)
    good = np.nonzero(hits >= target_precision)[0]
    threshold = float(probs[order][good.max()]) if len(good) else 0.5
    return Model(features=names, mean=tuple(map(float, mean)), scale=tuple(map(float, scale)),
                 weights=tuple(map(float, weights)), intercept=intercept,
                 threshold=min(max(threshold, 1e-6), 1 - 1e-6), trained_on=trained_on,
                 accounts=len(accounts), laundering=int(y.sum()))


def score(model: Model, features: Mapping[str, Sequence[float]], *, top: int = 3,
          names: tuple[str, ...] = NAMES) -> list[LearnedAlert]:
    """The accounts the model flags (probability at or above its threshold), highest first, each with the
    ``top`` features that pushed its score up most."""
    if tuple(model.features) != names:
        raise InvalidInput("the model was trained on other features than this version computes",
                           hint="train it again with palermo finance learn")
    if not features:
        return []
    accounts, x = _matrix(features, model.features)
    z = (x - np.array(model.mean)) / np.array(model.scale)
    pushes = z * np.array(model.weights)
    probs = 1 / (1 + np.exp(-(pushes.sum(axis=1) + model.intercept)))
    raw = np.array([features[a] for a in accounts], dtype=float)
    typical = np.median(raw, axis=0)
    out = []
    for i in np.nonzero(probs >= model.threshold)[0]:
        strongest = [j for j in np.argsort(-pushes[i]) if pushes[i][j] > 0][:top]
        reasons = tuple(Reason(model.features[j], DESCRIPTIONS.get(model.features[j], model.features[j]), float(raw[i][j]),
                               float(typical[j]), round(float(pushes[i][j]), 3)) for j in strongest)
        out.append(LearnedAlert(accounts[i], round(float(probs[i]), 4), reasons))
    return sorted(out, key=lambda a: (-a.probability, a.account))


def save(model: Model, path: Path) -> None:
    """Write the model as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(model.model_dump_json(indent=2) + "\n", encoding="utf-8")


def load(path: Path) -> Model:
    """Read a model file, naming the file and field on error."""
    if not path.is_file():
        raise InvalidInput(f"{path}: no such model file", hint="palermo finance learn writes one")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = Model.model_validate(data)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    except ValidationError as exc:
        err = exc.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(p) for p in err["loc"]) or "document"
        raise InvalidInput(f"{path}: {field}: {err['msg']}") from None
    sizes = {len(model.features), len(model.mean), len(model.scale), len(model.weights)}
    if len(sizes) != 1 or not all(math.isfinite(v) for v in (*model.mean, *model.scale, *model.weights)):
        raise InvalidInput(f"{path}: features, mean, scale and weights must be finite lists of one length")
    return model
