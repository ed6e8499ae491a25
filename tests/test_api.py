"""The JSON API and the pages: same answers as the engine, problem details on bad input, broken profiles reported."""

from __future__ import annotations

import yaml
from fastapi.testclient import TestClient

from palermo.law.library import PACKAGED
from palermo.settings import Settings
from palermo.web import create_app

CONDUCT = {"acts": ["recruitment"], "means": ["deception"], "purposes": ["slavery"], "victims": [{"age": 25}],
           "places": ["FR"]}


def client(**settings) -> TestClient:
    return TestClient(create_app(Settings(**settings)))


def test_openapi_lists_law_routes():
    paths = client().get("/api/openapi.json").json()["paths"]
    for route in ("/api/law/jurisdictions", "/api/law/assess", "/api/law/compare", "/api/law/dual-criminality",
                  "/api/law/jurisdiction", "/api/law/jurisdictions/{key}/gaps"):
        assert route in paths


def test_assess_and_dual_criminality():
    c = client()
    r = c.post("/api/law/assess", json={"conduct": CONDUCT, "against": ["palermo_protocol", "FR", "JP"]})
    assert r.status_code == 200
    assert [a["verdict"] for a in r.json()] == ["yes", "yes", "no"]
    r = c.post("/api/law/dual-criminality", json={"conduct": CONDUCT, "requesting": "FR", "requested": "JP"})
    assert r.status_code == 200 and r.json()["outcome"] == "not_met"


def test_gaps_compare_jurisdiction():
    c = client()
    gaps = c.get("/api/law/jurisdictions/US/gaps", params={"instrument": "palermo_protocol"}).json()
    assert gaps["instruments"] == ["palermo_protocol"] and gaps["gaps"]
    comp = c.get("/api/law/compare", params={"ids": "DE,NL"}).json()
    assert comp["jurisdictions"] == ["DE", "NL"]
    jur = c.post("/api/law/jurisdiction", json={"conduct": CONDUCT}).json()
    assert [s["state"] for s in jur["states"]] == ["FR"]


def test_bad_input_is_422_problem_details():
    c = client()
    cases = [
        ({"conduct": {"acts": ["recruiting"]}}, "unknown act key 'recruiting'"),
        ({"conduct": {"victims": [{"age": 300}]}}, "victims[0].age"),
        ({"conduct": CONDUCT, "against": ["XX"]}, "unknown jurisdiction 'XX'"),
        ({"conduct": CONDUCT, "against": ["FR"], "extra": 1}, "extra"),
    ]
    for body, needle in cases:
        r = c.post("/api/law/assess", json=body)
        assert r.status_code == 422, body
        assert r.headers["content-type"] == "application/problem+json"
        assert needle in r.json()["detail"]
    assert c.get("/api/law/jurisdictions/XX").status_code == 404
    assert c.get("/api/law/compare", params={"ids": "DE,XX"}).status_code == 422


def test_broken_user_profile_is_reported_not_fatal(tmp_path):
    (tmp_path / "FR.yaml").write_text("version: 1\nid: FR\nname: [broken\n")
    good = yaml.safe_load((PACKAGED / "jurisdictions" / "FR.yaml").read_text())
    good.update(id="BE", name="Belgium (test)", iso3166="BE")
    (tmp_path / "BE.yaml").write_text(yaml.safe_dump(good, allow_unicode=True))
    c = client(profiles=str(tmp_path))
    rows = {r["id"]: r for r in c.get("/api/law/jurisdictions").json()}
    assert "FR.yaml" in rows["FR"]["problem"] and "not valid YAML" in rows["FR"]["problem"]
    assert rows["BE"]["problem"] is None and rows["DE"]["problem"] is None
    r = c.get("/api/law/jurisdictions/FR")
    assert r.status_code == 422 and "FR.yaml" in r.json()["detail"]
    page = c.get("/")
    assert page.status_code == 200 and "could not be loaded" in page.text


def test_pages_render_and_link_citations():
    c = client()
    for url in ("/", "/law/jurisdictions/GB-EAW", "/law/jurisdictions/AE/gaps", "/law/compare",
                "/law/instruments/untoc", "/law/assess", "/law/dual-criminality"):
        assert c.get(url).status_code == 200, url
    ae = c.get("/law/jurisdictions/AE").text
    assert "unverified" in ae
    gaps = c.get("/law/jurisdictions/US/gaps").text
    assert 'href="/law/instruments/palermo_protocol#art-3-a"' in gaps
    instrument = c.get("/law/instruments/palermo_protocol").text
    assert 'id="art-3-a"' in instrument


def test_assess_form_shows_verdict_and_errors():
    c = client()
    form = {"against": ["palermo_protocol"], "acts": ["recruitment"], "purposes": ["slavery"], "victim_age": "15"}
    r = c.post("/law/assess", data=form)
    assert r.status_code == 200 and 'data-verdict="yes"' in r.text
    r = c.post("/law/assess", data={**form, "victim_age": "200"})
    assert r.status_code == 422 and "victims[0].age" in r.text


def test_citations_keep_machine_keys_and_add_a_label():
    c = client()
    result = c.post("/api/law/assess", json={"conduct": CONDUCT, "against": ["palermo_protocol", "TH"]}).json()
    cited = [cite for a in result for f in a["findings"] for cite in f["citations"]]
    protocol = next(x for x in cited if x["source"] == "palermo_protocol")
    assert protocol["article"] == "3(a)" and protocol["title"] == "Palermo Protocol"
    assert protocol["label"] == "Palermo Protocol, Art. 3(a)"
    national = next(x for x in cited if x["source"] == "TH")
    assert national["label"].startswith(national["article"]) and national["title"] is None
    assert any(x["label"].endswith(("[UNVERIFIED]", "[partly verified]")) for x in cited if x["verified"] is not True)


def test_pages_show_labels_and_keep_unverified_marks():
    c = client()
    gaps = c.get("/law/jurisdictions/US/gaps").text
    assert ">Palermo Protocol, Art. 3(a)</a>" in gaps and "palermo_protocol 3(a)" not in gaps
    assert 'title="US">18 U.S.C. §1594(a)</a>' in gaps and "against Palermo Protocol, UNTOC" in gaps
    assert ">UNTOC, Art. 15</a>" in gaps
    compare = c.get("/law/compare", params={"ids": "DE,FR"}).text
    assert ">Palermo Protocol, Art. 3(a)</a>" in compare
    form = {"against": ["TH"], "acts": ["recruitment"], "purposes": ["slavery"], "victim_age": "15"}
    assessed = c.post("/law/assess", data=form).text
    assert 'title="TH">' in assessed and ('badge partial">partly verified' in assessed or
                                         'badge unverified">unverified' in assessed)
    instrument = c.get("/law/instruments/palermo_protocol").text
    assert '<tr id="art-3-a"><td title="palermo.art3a.definition">Art. 3(a)</td>' in instrument


def test_research_notes_only_on_request():
    c = client()
    page = c.get("/law/jurisdictions/DE").text
    assert "shared/" not in page
    notes = page.index('<details class="research" id="research-notes">')  # collapsed by default
    assert "Research notes (for legal drafters)" in page[notes:] and "Open questions" in page[notes:]
    assert "Open questions" not in page[:notes]
    opened = c.get("/law/jurisdictions/DE", params={"notes": "1"}).text
    assert '<details class="research" id="research-notes" open>' in opened
    assert "UN Treaty Collection status" in page  # the source is still named
    full = c.get("/api/law/jurisdictions/DE").json()
    assert full["open_questions"] and full["verification_notes"]  # the API keeps the whole profile
    for key in ("DE", "US", "AE"):
        assert "shared/" not in c.get(f"/law/jurisdictions/{key}").text
