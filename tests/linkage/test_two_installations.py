"""The issue's two-installation test: two Palermo servers on loopback (separate databases and keys), each with a
case of persons that partly overlap, run a linkage over their APIs, the signed messages carried between them;
both confirm and each sees only its own matched persons beside the partner's references, never a name of the
partner's."""

from __future__ import annotations

from typing import Any

from ..exchange.test_two_installations import Server, ok, servers  # noqa: F401 - the fixture is used by name
from .test_runs import GB_PEOPLE, RO_PEOPLE


def persons(server: Server, reference: str, rows: list[tuple[str, str, str, str]]) -> None:
    ok(server.inv.post("/api/cases", json={"reference": reference, "title": "persons to look for"}))
    for entity_id, name, born, sex in rows:
        first, last = name.split()
        ok(server.inv.post(f"/api/cases/{reference}/entities", json={"entity": {
            "id": entity_id, "schema": "Person", "properties": {
                "name": [name], "firstName": [first], "lastName": [last], "birthDate": [born], "gender": [sex]}}}))


def carried(run: Any) -> dict[str, Any]:
    import json

    assert isinstance(run, dict) and run["outgoing"], run
    message: dict[str, Any] = json.loads(run["outgoing"])
    return message


def test_two_servers_find_their_common_persons_without_names(servers) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    gb, ro = servers
    persons(gb, "GB-LINK", GB_PEOPLE)
    persons(ro, "RO-LINK", RO_PEOPLE)
    started = ok(gb.inv.post("/api/cases/GB-LINK/linkage", json={"partner": ro.agency}))
    joined = ok(ro.inv.post("/api/cases/RO-LINK/linkage/join", json=carried(started)))
    matched = ok(gb.inv.post("/api/linkage/messages", json=carried(joined)))
    assert isinstance(matched, dict) and (matched["status"], matched["matched"]) == ("to_confirm", 3)
    ok(ro.inv.post("/api/linkage/messages", json=carried(matched)))
    for side in (gb, ro):  # before both confirmed, nobody sees a match
        assert ok(side.inv.get(f"/api/linkage/{matched['exchange']}"))["matches"] == []  # type: ignore[index]
    ok(gb.inv.post(f"/api/linkage/{matched['exchange']}/answer", json={"confirmed": True}))
    answered = ok(ro.inv.post(f"/api/linkage/{matched['exchange']}/answer", json={"confirmed": True}))
    revealed = ok(gb.inv.post("/api/linkage/messages", json=carried(answered)))
    theirs = ok(ro.inv.post("/api/linkage/messages", json=carried(revealed)))
    assert isinstance(revealed, dict) and isinstance(theirs, dict)
    assert sorted(m["entity"] for m in revealed["matches"]) == ["g-ana", "g-ion", "g-mar"]
    assert sorted(m["entity"] for m in theirs["matches"]) == ["r-1", "r-2", "r-3"]
    partner_names = {n for _, name, _, _ in RO_PEOPLE for n in name.split()} - {
        n for _, name, _, _ in GB_PEOPLE for n in name.split()}
    shown = str({k: v for k, v in revealed.items() if k != "outgoing"})  # the message out is ciphertext and CLKs
    assert not any(n in shown for n in partner_names)  # GB never sees a name only RO holds
