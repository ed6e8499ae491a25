"""Profile format 2: validation with every problem at once, the migration from version 1 keeping every citation
and verified flag, and the packaged profiles kept honest against the research they were derived from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from palermo.errors import InvalidInput
from palermo.law import load_library
from palermo.law.library import PACKAGED, read_profile_data
from palermo.law.migrate import ProfileV1, migrate_v1

from ..conftest import ROOT
from ..test_cli import run

RESEARCH = next((p for p in (ROOT.parent / "shared" / "law", Path("/work/shared/law")) if p.is_dir()), None)
RANK = {False: 0, "partial": 1, True: 2, None: 0}


def cited(node: Any, flag: Any = None) -> Iterator[tuple[str, Any]]:
    """Every (citation, verified flag) pair in a document; a block without its own flag takes its parent's."""
    if isinstance(node, dict):
        flag = node.get("verified", flag)
        if isinstance(node.get("citation"), str):
            yield node["citation"], flag
        for key, value in node.items():
            if key not in ("sources", "migration_notes"):
                yield from cited(value, flag)
    elif isinstance(node, list):
        for item in node:
            yield from cited(item, flag)


def research_entries() -> list[dict[str, Any]]:
    if RESEARCH is None:
        pytest.skip("the research files (../shared/law) are not here")
    data = yaml.safe_load((RESEARCH / "jurisdictions.yaml").read_text())
    shared = data["meta"]["shared_sources"]
    out = []
    for entry in data["jurisdictions"]:
        out.append({"version": 1, **entry, "sources": {**shared, **(entry.get("sources") or {})}})
    return out


def test_migration_keeps_every_citation_and_verified_flag():
    for entry in research_entries():
        migrated = migrate_v1(ProfileV1.model_validate(entry))
        before, after = set(cited(entry)), set(cited(migrated))
        assert before <= after, (entry["id"], before - after)
        read_profile_data(migrated, f"{entry['id']} (migrated)", load_library().vocabulary)


def test_a_version_1_file_loads_through_the_migration(tmp_path, library):
    entry = next(e for e in research_entries() if e["id"] == "US")
    entry["id"], entry["name"] = "US", "United States (version-1 file)"
    (tmp_path / "US.yaml").write_text(yaml.safe_dump(entry, allow_unicode=True))
    profile = load_library([tmp_path]).profile("US")
    (combined,) = profile.assessed()
    assert combined.citation == "18 U.S.C. §1591; 18 U.S.C. §1590"
    assert any("assessed together" in n for n in profile.migration_notes)


# Readings made after the research, each documented in the profile's migration_notes: the only places where a
# packaged flag may claim more than the research did.
UPGRADES = {
    ("US", "18 U.S.C. §1590"),  # read in the Accountability Hub reproduction
    ("ES", "CP art. 177 bis(1)"), ("IT", "c.p. art. 601 co.1"),  # basic penalty read (entry-level verified)
    ("MX", "Ley General art. 13 (benefiting from sexual exploitation by listed means)"),  # art. 13 text read
    ("AU", "Criminal Code s.271.2"),  # 'offence and 12-year penalty read' (verification notes)
    ("JP", "Penal Code art. 226-2(1) (buying a person)"), ("JP", "art. 226-2(2) (buying a minor)"),
    ("JP", "art. 226-2(3)-(4) (buying for profit, indecency, marriage or harm to life/body; selling a person)"),
}


def test_packaged_profiles_keep_the_researchs_citations_and_claim_no_more_verification():
    packaged = {p.stem: yaml.safe_load(p.read_text()) for p in (PACKAGED / "jurisdictions").glob("*.yaml")}
    assert len(packaged) == 17
    for entry in research_entries():
        doc = packaged[entry["id"]]
        assert doc["version"] == 2 and doc["verified"] == entry["verified"]
        mine: dict[str, int] = {}
        for citation, flag in cited(doc):
            mine[citation] = max(mine.get(citation, 0), RANK[flag])
        theirs: dict[str, int] = {}
        for citation, flag in cited(entry):
            theirs[citation] = max(theirs.get(citation, 0), RANK[flag])
        for citation, rank in theirs.items():
            assert citation in mine, (entry["id"], "citation lost", citation)
            if (entry["id"], citation) not in UPGRADES:
                assert mine[citation] <= rank, (entry["id"], "claims more than the research", citation)


def test_every_packaged_tier_marked_unverified_in_its_own_words_is_flagged(library):
    for profile in library.profiles.values():
        for o in profile.offences:
            for t in o.penalties:
                words = f"{t.citation or ''} {t.notes or ''}"
                if "verified:false" in words and "2008" not in words:
                    assert t.verified is not True, (profile.id, t.citation)


def test_profile_problems_are_all_reported_with_suggestions(tmp_path):
    data = yaml.safe_load((PACKAGED / "jurisdictions" / "FR.yaml").read_text())
    data["offences"][0]["elements"]["acts"].append("recrutement")
    data["offences"][0]["elements"]["mean"] = ["fraud"]
    data["offences"][0]["penalties"][1]["circumstances"] = []
    data["offences"][0]["src"].append("FR_225_4_11")
    (tmp_path / "FR.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    result = run("law", "--profiles", str(tmp_path), "list")
    assert result.returncode == 2
    text = result.stderr
    assert "and 3 more problems" in text.splitlines()[0]
    assert "offences[0].elements.mean: unknown field (did you mean 'means'?)" in text
    assert "unknown act key 'recrutement' (did you mean 'recruitment'?)" in text
    assert "an aggravated tier names the circumstances that trigger it" in text
    assert "source 'FR_225_4_11' is not defined under 'sources' (did you mean 'FR_225_4_1'?)" in text


@pytest.mark.parametrize(("change", "needle"), [
    (lambda d: d["offences"][0].update(key=None), "an offence with elements needs a key"),
    (lambda d: d["offences"][1].update(key=d["offences"][0]["key"]), "offence key 'trafficking' is used twice"),
    (lambda d: d.update(equivalences=[{"kind": "act", "term": "transfer", "covered_by": ["obtaining"],
                                       "offences": ["nope"], "verified": False}]), "no offence has the key 'nope'"),
    (lambda d: d.update(version=3), "unknown profile format version 3"),
    (lambda d: d["offences"][0]["penalties"][0].update(min_years=9), "min_years 9.0 is above max_years 7.0"),
])
def test_format_2_rules(library, change, needle):
    data = yaml.safe_load((PACKAGED / "jurisdictions" / "FR.yaml").read_text())
    change(data)
    with pytest.raises(InvalidInput) as caught:
        read_profile_data(data, "FR.yaml", library.vocabulary)
    assert needle in str(caught.value.details or caught.value.message)
