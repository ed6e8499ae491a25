"""The link chart on resolved entities: an identity of the agency's resolution dataset folds its records in the
case into one node (ties added up, the records named as its members); without the dataset every record is its own
node; another case's records of the identity stay out. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from palermo.analytics.resolution import Candidate, Reason
from palermo.cases import CaseStore
from palermo.errors import InvalidInput
from palermo.model import CaseDraft
from palermo.services.network import ChartAsk, Network
from tests.cases.conftest import cs, user  # noqa: F401  # the store fixtures, on both back ends


def test_resolved_identity_is_one_node(cs: CaseStore) -> None:  # noqa: F811
    cs.accounts.add_agency("gb-police", "Police GB", "GB", "police")
    inv = user(cs, "inv", "gb-police", "investigator")
    for ref in ("GB-1", "GB-2"):
        cs.cases.create(inv, CaseDraft(reference=ref, title=ref, handling="agencies"))
    for pid in ("ana-1", "ana-2", "boss"):
        cs.entities.add(inv, "GB-1", {"id": pid, "schema": "Person", "properties": {
            "name": ["Ana Ionescu" if pid != "boss" else "Boss"], "birthDate": ["1990-02-03"]}})
    cs.entities.add(inv, "GB-2", {"id": "ana-3", "schema": "Person", "properties": {"name": ["Ana Ionescu"]}})
    for n, payer in enumerate(("ana-1", "ana-2")):
        cs.entities.add(inv, "GB-1", {"id": f"pay-{n}", "schema": "Payment", "properties": {
            "payer": [payer], "beneficiary": ["boss"], "amount": ["100"], "currency": ["EUR"],
            "date": [f"2020-0{n + 1}-01"]}})
    scope = cs.resolutions.scope(inv, ["GB-1", "GB-2"], "person")
    ids = {e.id.split(":")[1]: e.id for e in scope.entities}
    reason = (Reason("birth_date", "Date of birth", "Exact match", 6.5, "1990-02-03", "1990-02-03"),)
    pairs = [Candidate(ids["ana-1"], ids["ana-2"], 0.99, 1.0, -8.0, reason),
             Candidate(ids["ana-1"], ids["ana-3"], 0.99, 1.0, -8.0, reason)]
    cs.resolutions.save_run(inv, "gb", "person", scope, {"version": 1}, pairs, trained=True)

    network = Network(cs)
    plain = network.chart(inv, "GB-1")
    assert {"ana-1", "ana-2", "boss"} == set(plain.nodes) and len(plain.edges) == 2
    folded = network.chart(inv, "GB-1", ChartAsk(resolved="gb"))
    assert set(folded.nodes) == {"ana-1", "boss"}
    assert folded.nodes["ana-1"].members == ("ana-1", "ana-2")  # ana-3 is in another case: not in this chart
    (money,) = folded.edges
    assert (money.source, money.target, money.count, money.amount) == ("ana-1", "boss", 2, 200.0)
    assert network.canonical(inv, "GB-1", "no-such-dataset") == {}
    with pytest.raises(InvalidInput, match="dataset"):
        network.chart(inv, "GB-1", ChartAsk(resolved="bad name!"))
