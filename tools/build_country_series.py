"""Build the packaged country series (src/palermo/stats/data/country_series.csv + country_sources.yaml) from the
workplace's data sets in ../shared/data: UNODC GLOTIP totals and the US TIP Report tiers.

    .venv/bin/python tools/build_country_series.py [SHARED_DATA_DIR]

Only what the sources' terms allow is kept: GLOTIP (UNODC data portal: free use with attribution) national totals
by sex and age; TIP tiers (US government information, compiled by Kelley & Heiss). The 3P index is not packaged
(its authors ask to be asked first).
"""

from __future__ import annotations

import csv
import hashlib
import sys
from pathlib import Path

import yaml
from followthemoney.types import registry

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "palermo" / "stats" / "data"
INDICATORS = {"Detected trafficking victims": "detected_victims", "Persons prosecuted": "prosecuted",
              "Persons convicted": "convicted", "Persons brought into formal contact": "formal_contact"}
SEX = {"Total": "all", "Female": "female", "Male": "male"}
AGE = {"Total": "all", "0 to 17 years": "children", "18 years or over": "adults"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def iso2(code: str) -> str | None:
    found = registry.country.clean(code.strip())
    return found.upper() if found else None


KELLEY_NAMES = {  # Kelley's short names that are not country names FtM knows
    "DomRep": "DO", "NewZealand": "NZ", "KyrgyzRep": "KG", "BosniaandHerz": "BA", "SierraLeone": "SL",
    "Trin&Tobago": "TT", "Cote DÕIvoire": "CI", "St.Kitts&Nevis": "KN", "St.Lucia": "LC", "CzechRep": "CZ",
    "ElSalvador": "SV", "St.Vincent": "VC", "SolomanIs": "SB", "SouthAfrica": "ZA", "YemenAR": "YE",
    "SlovakRep": "SK", "CentralAfRep": "CF", "EqGuinea": "GQ", "UArabEmir": "AE", "SaoT&P": "ST", "PapuaNG": "PG",
    "CostaRica": "CR", "CapeVerde": "CV", "Congo, DemRep (Zaire)": "CD", "Congo (Brazzaville; Rep)": "CG",
    "MarshallIs": "MH"}
LEVELS = {"0.0": "no criminalisation", "1.0": "partial criminalisation", "2.0": "full criminalisation"}


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    glotip = shared / "unodc_glotip" / "data_glotip_2025-04-14.csv"
    tiers = shared / "tip_tier_rankings" / "tip_tiers_2001_2015.csv"
    rows: list[list[str]] = []
    with glotip.open(encoding="utf-8") as handle:
        for n, r in enumerate(csv.DictReader(handle), start=2):
            if r["Dimension"] != "Total" or r["Category"] != "Total" or r["Indicator"] not in INDICATORS:
                continue
            if r["Sex"] not in SEX or r["Age"] not in AGE or r["Unit of measurement"] != "Counts":
                continue
            country = iso2(r["Iso3_code"])
            if country is None:
                continue
            text = r["txtVALUE"].strip()
            value = text.replace(",", "")
            rows.append([country, INDICATORS[r["Indicator"]], SEX[r["Sex"]], AGE[r["Age"]], r["Year"],
                         value if value.replace(".", "").isdigit() else "", text, "glotip", str(n)])
    coding = {"Tier 1": "1", "Tier 2": "2", "Watchlist": "2.5", "Tier 3": "3"}
    with tiers.open(encoding="utf-8") as handle:
        for n, r in enumerate(csv.DictReader(handle), start=2):
            tier = (r["tier"] or "").strip()
            country = iso2(r["iso"])
            if tier in coding and country:
                label = "Tier 2 Watch List" if tier == "Watchlist" else tier
                rows.append([country, "tip_tier", "all", "all", r["year"], coding[tier], label, "tip_tiers", str(n)])
    kelley = shared / "trafficking_criminalization_kelley" / "criminalization_country_year_1967_2014.csv"
    with kelley.open(encoding="utf-8", errors="replace") as handle:
        for n, r in enumerate(csv.DictReader(handle), start=2):
            country = KELLEY_NAMES.get(r["country"]) or iso2(r["country"])
            level = (r["crimlevel"] or "").strip()
            if country and level in LEVELS and int(r["year"]) >= 2000:
                rows.append([country, "criminalisation", "all", "all", r["year"], str(int(float(level))),
                             LEVELS[level], "kelley", str(n)])
    rows.sort(key=lambda x: (x[0], x[1], x[2], x[3], int(x[4])))
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "country_series.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["country", "indicator", "sex", "age", "year", "value", "text", "source", "source_line"])
        writer.writerows(rows)
    sources = {"version": 1, "sources": {
        "glotip": {"title": "UNODC Global Report on Trafficking in Persons, data (GLOTIP)",
                   "publisher": "United Nations Office on Drugs and Crime", "url": "https://dataunodc.un.org/",
                   "terms": "UNODC data portal terms of use: free use with attribution to UNODC",
                   "file": glotip.name, "sha256": sha(glotip),
                   "kept": "national totals (dimension and category Total) of detected victims, persons prosecuted, "
                           "convicted and brought into formal contact, by sex (all/female/male) and age "
                           "(all/children/adults); '<5' kept as text with no value"},
        "tip_tiers": {"title": "US Department of State, Trafficking in Persons Report tier placements 2001-2015",
                      "publisher": "US Department of State (compiled by J. Kelley and A. Heiss, Duke University)",
                      "url": "https://www.state.gov/trafficking-in-persons-report/",
                      "terms": "US government information (public domain); compilation by Kelley & Heiss",
                      "file": tiers.name, "sha256": sha(tiers),
                      "kept": "tier per country and report year: 1, 2, 2.5 (Tier 2 Watch List), 3"},
        "kelley": {"title": "Kelley & Heiss, criminalisation of human trafficking by country and year (Scorecard "
                            "Diplomacy data)", "publisher": "Judith G. Kelley and Andrew Heiss, Duke University",
                   "url": "https://github.com/andrewheiss/scorecard-diplomacy",
                   "terms": "MIT licence, Copyright (c) 2017 Judith Kelley and Andrew Heiss",
                   "file": kelley.name, "sha256": sha(kelley),
                   "kept": "crimlevel 0/1/2 (no, partial, full criminalisation) for 2000-2014"}}}
    (OUT / "country_sources.yaml").write_text(
        "# Sources of country_series.csv (tools/build_country_series.py); every value points to a source and its line.\n"
        + yaml.safe_dump(sources, sort_keys=False, allow_unicode=True))
    print(f"{len(rows)} rows written")


if __name__ == "__main__":
    main()
