"""tools/import_law_research.py: research -> a folder `--profiles` loads, in one command, or every problem at once
and nothing written."""

from __future__ import annotations

import importlib.util
import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from palermo.law import load_library
from palermo.law.library import PACKAGED

from ..conftest import ROOT
from ..test_cli import run
from .test_format import RESEARCH


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_law_research", ROOT / "tools" / "import_law_research.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def convert(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = tool().main(list(args))
    return code, out.getvalue(), err.getvalue()


def entry(**changes: Any) -> dict[str, Any]:
    """A research-format entry (the format of ../shared/law/jurisdictions.yaml) for an invented test state."""
    base: dict[str, Any] = {
        "id": "XT", "name": "Testland (invented for tests)", "iso3166": "XT", "legal_tradition": "civil_law",
        "region": "Europe", "eu_member": False, "as_of": "test text, 2026", "verified": False,
        "treaty_status": {"palermo_protocol": {"signed": "2000-12-12", "verified": False}},
        "offences": [{"citation": "Test Code art. 1", "title": "Trafficking", "role": "core_trafficking",
                      "verified": False, "src": ["XT_CODE"]}],
        "definition": {"acts": ["recruitment", "transportation"], "means": ["fraud"], "means_required_adults": True,
                       "purposes": ["forced_labour_or_services"], "purposes_open_ended": False,
                       "child": {"age_below": 18, "means_required": "partial", "notes": "only via vulnerability",
                                 "verified": False},
                       "consent": {"irrelevant": None, "scope": "not_addressed", "verified": False},
                       "verified": False},
        "penalties": {"basic": {"min_years": 3, "max_years": 10, "citation": "Test Code art. 1(1)"},
                      "mitigated": [{"applies_to": "cooperation", "conditions": "offender reports the offence",
                                     "max_years": 5, "citation": "Test Code art. 9"},
                                    {"circumstances": ["minor role"], "min_years": 1, "max_years": 3,
                                     "citation": "Test Code art. 1(4)", "verified": "partial"}],
                      "max_overall": {"years": 10}, "verified": False},
        "ancillary_liability": {}, "jurisdiction": {"bases": [{"basis": "territoriality", "verified": False}]},
        "non_punishment": {"exists": None, "form": "none_found", "verified": False},
        "victim_protection": {"reflection_period": {"verified": False}, "residence_permit": {"exists": None,
                                                                                           "verified": False},
                              "compensation": {"verified": False}},
        "corporate_liability": {"exists": None, "verified": False},
        "sources": {"XT_CODE": {"title": "Test Code (invented)"}},
    }
    base.update(changes)
    return base


def test_one_command_converts_any_file_into_a_loadable_folder(tmp_path):
    research = tmp_path / "my notes on testland.yml"
    research.write_text(yaml.safe_dump({"jurisdictions": [entry()]}, allow_unicode=True))
    code, out, err = convert(str(research), "--out", str(tmp_path / "out"))
    assert code == 0, err
    assert "wrote 1 profile (format 2)" in out
    written = yaml.safe_load((tmp_path / "out" / "jurisdictions" / "XT.yaml").read_text())
    assert written["version"] == 2
    (offence,) = written["offences"]
    assert [r["applies_to"] for r in offence["reductions"]] == ["cooperation", "other"]
    assert offence["reductions"][1]["conditions"] == "minor role" and offence["reductions"][1]["verified"] == "partial"
    assert offence["reductions"][0]["verified"] is False  # the penalties block's flag, kept
    profile = load_library([tmp_path / "out"]).profile("XT")
    assert profile.offence("trafficking").elements.child.notes == "only via vulnerability"  # type: ignore[union-attr]
    shown = run("law", "--profiles", str(tmp_path / "out"), "show", "XT")
    assert shown.returncode == 0 and "Reduced (cooperation)" in shown.stdout


def test_a_single_entry_file_converts_too(tmp_path):
    research = tmp_path / "xt.json"
    research.write_text(yaml.safe_dump(entry()))
    assert convert(str(research), "--out", str(tmp_path / "out"))[0] == 0
    assert (tmp_path / "out" / "jurisdictions" / "XT.yaml").is_file()


def test_every_problem_is_named_and_nothing_is_written(tmp_path):
    bad = entry(verified="maybe")
    bad["definition"]["acts"].append("recruiting")
    bad["penalties"]["mitigated"][0]["applies_to"] = "good_behaviour"
    bad["offences"][0]["src"] = ["XT_COED"]
    research = tmp_path / "research.yaml"
    research.write_text(yaml.safe_dump({"jurisdictions": [bad, entry(id="XU", iso3166="XU", colour="red")]}))
    code, _, err = convert(str(research), "--out", str(tmp_path / "out"))
    assert code == 2
    assert "5 problems; nothing was written" in err
    for needle in ("verified", "unknown act key 'recruiting' (did you mean 'recruitment'?)",
                   "penalties.mitigated[0].applies_to", "source 'XT_COED' is not defined under 'sources' "
                   "(did you mean 'XT_CODE'?)", "colour: unknown field"):
        assert needle in err, needle
    assert f"{research}:" in err  # file and line
    assert not (tmp_path / "out").exists()


def test_refuses_to_overwrite_the_packaged_data(tmp_path):
    research = tmp_path / "r.yaml"
    research.write_text(yaml.safe_dump(entry()))
    before = {p.name: p.read_bytes() for p in (PACKAGED / "jurisdictions").iterdir()}
    code, _, err = convert(str(research), "--out", str(PACKAGED))
    assert code == 2 and "packaged data" in err
    assert before == {p.name: p.read_bytes() for p in (PACKAGED / "jurisdictions").iterdir()}


def test_the_whole_research_converts(tmp_path):
    if RESEARCH is None:
        pytest.skip("the research files (../shared/law) are not here")
    code, out, err = convert(str(RESEARCH), "--out", str(tmp_path), "--instruments")
    assert code == 0, err
    library = load_library([tmp_path])
    assert len(library.profiles) == 17 and {p.version for p in library.profiles.values()} == {2}
    assert "7 instruments" in out


def test_the_tool_runs_as_a_script(tmp_path):
    import subprocess
    import sys

    research = tmp_path / "r.yaml"
    research.write_text(yaml.safe_dump(entry()))
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "import_law_research.py"), str(research)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--out" in done.stderr
    assert Path(tmp_path / "r.yaml").exists()
