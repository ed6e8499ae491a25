from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from palermo.errors import NotFound
from palermo.law import Library
from palermo.stats.countries import DATA, scorecard, series, sources
from palermo.stats.plots import country_figures


def test_every_scorecard_value_traces_to_its_source_line(library: Library,
                                                          shared_data: Callable[[str], Path]) -> None:
    card = scorecard("GB", library)
    items = {i.measure.split(" (")[0]: i for i in card.items}
    assert items["Party to the Palermo Protocol"].value == "yes, since 2006-02-09"
    assert card.profile == "GB-EAW" and items["Law against the Protocol and UNTOC"].value.endswith("/ 100")
    victims = next(i for i in card.items if i.measure.startswith("Detected victims"))
    line = int(victims.detail.removeprefix("line "))
    original = shared_data("unodc_glotip") / "data_glotip_2025-04-14.csv"
    with original.open(encoding="utf-8") as handle:
        row = next(r for n, r in enumerate(csv.reader(handle), start=1) if n == line)
    assert row[0] == "GBR" and row[4] == "Detected trafficking victims" and row[11] == victims.value
    assert victims.version == sources()["glotip"].version


def test_packaged_series_match_their_recorded_source_versions(shared_data: Callable[[str], Path]) -> None:
    import hashlib

    for key, folder in (("glotip", "unodc_glotip"), ("tip_tiers", "tip_tier_rankings")):
        src = sources()[key]
        digest = hashlib.sha256((shared_data(folder) / src.file).read_bytes()).hexdigest()
        assert digest == src.sha256, key
    assert (DATA / "country_series.csv").stat().st_size < 3_000_000


def test_series_and_figures() -> None:
    tiers = series("NG", "tip_tier")
    assert [p.year for p in tiers] == sorted(p.year for p in tiers) and {p.value for p in tiers} <= {1, 2, 2.5, 3}
    figures = country_figures("NG")
    assert set(figures) == {"victims", "justice", "tiers"}
    assert all("Source:" in f["layout"]["annotations"][0]["text"] for f in figures.values())
    with pytest.raises(NotFound):
        series("QQ", "tip_tier")


def test_country_api_and_page(library: Library, tmp_path: Path) -> None:
    from palermo.settings import Settings
    from palermo.web import create_app

    client = TestClient(create_app(Settings(data_dir=tmp_path)))
    data = client.get("/api/stats/countries/ng").json()
    assert data["code"] == "NG" and data["figures"]["victims"]["data"]
    assert client.get("/api/stats/countries/QQ").status_code == 404
    page = client.get("/stats/countries/NG")
    assert page.status_code == 200 and "/vendor/plotly.min.js" in page.text and "src=\"http" not in page.text
    js = client.get("/vendor/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000


def test_stats_index_ranks_every_profiled_law(library: Library, tmp_path: Path) -> None:
    from palermo.settings import Settings
    from palermo.web import create_app

    page = TestClient(create_app(Settings(data_dir=tmp_path))).get("/stats")
    assert page.status_code == 200 and 'id="fig-ranking"' in page.text
    for profile in library.profiles.values():
        assert f"\"{profile.id}\"" in page.text  # a bar per profiled jurisdiction (its id in customdata)


def test_criminalisation_and_a_3p_index_the_user_holds(library: Library, shared_data: Callable[[str], Path],
                                                        tmp_path: Path) -> None:
    from palermo.errors import InvalidInput
    from palermo.stats.countries import read_3p

    card = scorecard("NG", library)
    crim = next(i for i in card.items if i.measure.startswith("Trafficking criminalised"))
    assert crim.value == "full criminalisation" and crim.version.startswith("criminalization_country_year")
    assert not any(i.measure.startswith("3P") for i in card.items)  # not packaged
    index = read_3p(shared_data("3p_anti_trafficking_policy_index") / "policy_index_3p_2000_2014.csv")
    p3 = next(i for i in scorecard("NG", library, index).items if i.measure.startswith("3P"))
    assert p3.value.startswith("13 of 15") and p3.detail.startswith("line ")
    (tmp_path / "bad.csv").write_text("iso,year,p\nNGA,twenty,3\n")
    with pytest.raises(InvalidInput, match="not a 3P index CSV"):
        read_3p(tmp_path / "bad.csv")
