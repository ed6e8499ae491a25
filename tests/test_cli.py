"""The `palermo` command: answers, exit codes, bad input and user profile folders."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from palermo.law.library import PACKAGED

from .conftest import EXAMPLES

CONDUCT = EXAMPLES / "conducts" / "siliadin.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from palermo.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=60)


def test_help_on_every_command():
    for cmd in ([], ["law"], ["law", "list"], ["law", "show"], ["law", "assess"], ["law", "gaps"], ["law", "compare"],
                ["law", "dual-criminality"], ["law", "jurisdiction"], ["serve"]):
        result = run(*cmd, "--help")
        assert result.returncode == 0, cmd
        assert "Usage" in result.stdout


def test_list_json_has_all_jurisdictions():
    result = run("law", "list", "--json")
    assert result.returncode == 0
    ids = {row["id"] for row in json.loads(result.stdout)}
    assert len(ids) == 17 and {"GB-EAW", "US", "DE", "AE"} <= ids


def test_assess_json_and_exit_codes():
    ok = run("law", "assess", str(CONDUCT), "--against", "palermo_protocol", "--json")
    assert ok.returncode == 0
    assert json.loads(ok.stdout)[0]["verdict"] == "yes"
    negative = run("law", "assess", str(EXAMPLES / "conducts" / "adult_no_means.yaml"))
    assert negative.returncode == 1
    assert "no" in negative.stdout


def test_dual_criminality_not_met_exits_1():
    result = run("law", "dual-criminality", str(CONDUCT), "--requesting", "FR", "--requested", "JP")
    assert result.returncode == 1
    met = run("law", "dual-criminality", str(CONDUCT), "--requesting", "FR", "--requested", "DE", "--json")
    assert met.returncode == 0 and json.loads(met.stdout)["outcome"] == "met"


def test_gaps_and_compare_and_jurisdiction():
    gaps = run("law", "gaps", "US", "--json")
    assert gaps.returncode == 0
    assert any(g["element"] == "child victims need no means" for g in json.loads(gaps.stdout)["gaps"])
    compare = run("law", "compare", "DE", "FR", "--json")
    assert compare.returncode == 0 and json.loads(compare.stdout)["jurisdictions"] == ["DE", "FR"]
    jur = run("law", "jurisdiction", str(EXAMPLES / "conducts" / "operation_fort.yaml"), "--json")
    assert jur.returncode == 0 and json.loads(jur.stdout)["consult"] is True


@pytest.mark.parametrize(("content", "needle"), [
    ("acts: [recruitment\nmeans: [", "not valid YAML/JSON"),
    ("acts: [recruiting]\n", "unknown act key 'recruiting'"),
    ("acts: [recruitment]\nvictims:\n  - age: 140\n", "victims[0].age"),
    ("acts: [recruitment]\nvictims:\n  - age: -1\n", "victims[0].age"),
    ("acts: [recruitment]\ncolour: red\n", "colour: Extra inputs are not permitted"),
    ("date_from: 2020-01-02\ndate_to: 2019-01-01\n", "date_from 2020-01-02 is after date_to"),
])
def test_bad_conduct_exits_2_naming_file_line_field(tmp_path, content, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(content)
    result = run("law", "assess", str(path))
    assert result.returncode == 2
    assert needle in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_conduct_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("title: x\nacts:\n  - recruitment\n  - recruting\n")
    result = run("law", "assess", str(path))
    assert result.returncode == 2
    assert f"{path}:4: acts[1]" in result.stderr


def test_unknown_jurisdiction_exits_2_with_hint():
    result = run("law", "assess", str(CONDUCT), "--against", "XX")
    assert result.returncode == 2
    assert "unknown jurisdiction 'XX'" in result.stderr and "hint:" in result.stderr
    assert run("law", "gaps", "XX").returncode == 2


def test_profiles_folder_adds_a_jurisdiction(tmp_path):
    data = yaml.safe_load((PACKAGED / "jurisdictions" / "FR.yaml").read_text())
    data.update(id="BE", name="Belgium (test profile)", iso3166="BE")
    (tmp_path / "BE.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    listed = run("law", "--profiles", str(tmp_path), "list", "--json")
    assert listed.returncode == 0
    assert any(r["id"] == "BE" and r["origin"].endswith("BE.yaml") for r in json.loads(listed.stdout))
    result = run("law", "--profiles", str(tmp_path), "assess", str(CONDUCT), "-a", "BE", "--json")
    assert result.returncode == 0 and json.loads(result.stdout)[0]["target_name"] == "Belgium (test profile)"


def test_profiles_folder_overrides_a_packaged_one(tmp_path):
    data = yaml.safe_load((PACKAGED / "jurisdictions" / "DE.yaml").read_text())
    data["definition"]["child"]["age_below"] = 18
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "de.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    conduct = tmp_path / "c.yaml"
    conduct.write_text("acts: [recruitment]\nmeans: []\npurposes: [slavery]\nvictims: [{age: 19}]\n")
    assert run("law", "assess", str(conduct), "-a", "DE").returncode == 0
    assert run("law", "--profiles", str(tmp_path / "profiles"), "assess", str(conduct), "-a", "DE").returncode == 1


def test_broken_profile_names_file_line_field(tmp_path):
    shutil.copy(PACKAGED / "jurisdictions" / "FR.yaml", tmp_path / "FR.yaml")
    text = (tmp_path / "FR.yaml").read_text().replace("max_years: 7", "max_years: seven", 1)
    (tmp_path / "FR.yaml").write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "max_years: seven" in t)
    result = run("law", "--profiles", str(tmp_path), "list")
    assert result.returncode == 2
    assert f"FR.yaml:{line}: penalties.basic.max_years" in result.stderr


def test_profile_with_unknown_key_is_refused(tmp_path):
    text = (PACKAGED / "jurisdictions" / "FR.yaml").read_text().replace("- harbouring", "- harboring", 1)
    (tmp_path / "FR.yaml").write_text(text)
    result = run("law", "--profiles", str(tmp_path), "list")
    assert result.returncode == 2
    assert "unknown act key 'harboring'" in result.stderr


def test_missing_profiles_folder_is_bad_input(tmp_path):
    result = run("law", "--profiles", str(tmp_path / "nope"), "list")
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_missing_conduct_file_is_bad_input(tmp_path):
    result = run("law", "assess", str(Path(tmp_path) / "missing.yaml"))
    assert result.returncode == 2 and "no such file" in result.stderr
