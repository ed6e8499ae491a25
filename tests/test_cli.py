"""The `palermo` command: answers, exit codes, bad input, usage mistakes and user profile folders.

Commands run in this process through `palermo.cli.main` (the same entry point as the installed script, minus
the interpreter start); one test runs the real script to keep that path honest."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

import pytest
import yaml

from palermo.cli import main
from palermo.law.library import PACKAGED

from .conftest import EXAMPLES

CONDUCT = EXAMPLES / "conducts" / "siliadin.yaml"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """`palermo ARGS` in this process: exit code, stdout and stderr as a subprocess would give them."""
    stdout, stderr = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with mock.patch.object(sys, "argv", ["palermo", *args]), mock.patch.dict(os.environ, {"COLUMNS": "200"}), \
            redirect_stdout(stdout), redirect_stderr(stderr):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
    returncode = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(["palermo", *args], returncode, stdout.getvalue(), stderr.getvalue())


def deployment(folder: Path, monkeypatch: pytest.MonkeyPatch, agency: str, state: str, kind: str,
               users: dict[str, str]) -> Path:
    """A new store in ``folder`` (the working folder, no settings from the environment) with one agency and its
    users (name: comma-separated roles), made with the CLI as an operator would."""
    for name in ("PALERMO_DATA_DIR", "PALERMO_DATABASE_URL", "PALERMO_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(folder)
    assert run("db", "upgrade").returncode == 0
    assert run("agencies", "add", agency, "--name", agency, "--state", state, "--kind", kind).returncode == 0
    for user, roles in users.items():
        assert run("users", "add", user, "--agency", agency, "--roles", roles).returncode == 0
    return folder


def test_the_installed_entry_point_runs_as_a_process():
    done = subprocess.run([sys.executable, "-c", "from palermo.cli import main; main()", "law", "show"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.splitlines()[0] == "error: Missing argument 'key'."
    assert "Traceback" not in done.stderr


def test_help_on_every_command():
    for cmd in ([], ["law"], ["law", "list"], ["law", "show"], ["law", "assess"], ["law", "gaps"], ["law", "compare"],
                ["law", "dual-criminality"], ["law", "jurisdiction"], ["law", "vocabulary"], ["serve"]):
        result = run(*cmd, "--help")
        assert result.returncode == 0, cmd
        assert "Usage" in result.stdout


LE_GREECE = str(EXAMPLES / "conducts" / "le_greece.yaml")


@pytest.mark.parametrize(("args", "message", "command"), [
    (["law", "show"], "Missing argument 'key'.", "palermo law show"),
    (["law", "list", "--colour"], "No such option: --colour", "palermo law list"),
    (["law", "list", "--profiles", "x"], "No such option: --profiles", "palermo law list"),  # belongs to `law`
    (["law", "dual-criminality", LE_GREECE, "--requesting", "NG"], "Missing option '--requested'.",
     "palermo law dual-criminality"),
    (["law", "dual-criminality", LE_GREECE, "--requesting", "NG", "--requested", "IT", "--threshold", "abc"],
     "Invalid value for '--threshold'", "palermo law dual-criminality"),
    (["law", "assess", str(CONDUCT), "--against"], "Option '--against' requires an argument.", "palermo law assess"),
    (["law", "show", "DE", "FR"], "Got unexpected extra argument", "palermo law show"),
    (["lwa", "list"], "No such command 'lwa'.", "palermo"),
    (["law", "shwo"], "No such command 'shwo'.", "palermo law"),
    (["finance", "ingest", "tx.csv", "--format", "xlsx"], "Invalid value for --format: choose auto, csv",
     "palermo finance ingest"),
    (["finance", "alerts", "--limit", "0"], "Invalid value for '--limit'", "palermo finance alerts"),
    ([], "missing command", "palermo"),
    (["law"], "missing command", "palermo law"),
])
def test_usage_mistake_exits_2_with_one_line_and_a_hint(args, message, command):
    result = run(*args)
    assert result.returncode == 2  # never 1, which means "no" (not trafficking, dual criminality not met)
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("error: ") and message in lines[0]
    assert lines[1] == f"hint: see `{command} --help`"
    assert "Traceback" not in result.stderr + result.stdout


def test_error_messages_are_text_not_markup(tmp_path):
    pattern = "^[a-zA-Z0-9 .'-]*$"
    conduct = tmp_path / "odd.yaml"
    conduct.write_text(yaml.safe_dump({"acts": [pattern]}))
    result = run("law", "assess", str(conduct))
    assert result.returncode == 2
    assert f"unknown act key {pattern!r}" in result.stderr


def test_table_cells_and_lines_keep_their_brackets(tmp_path):
    data = yaml.safe_load((PACKAGED / "jurisdictions" / "FR.yaml").read_text())
    data.update(id="BE", name="Belgium [test]", iso3166="BE")
    data["offences"][0]["title"] = "traite [art. 433quinquies]"
    (tmp_path / "BE.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    listed = run("law", "--profiles", str(tmp_path), "list")
    assert listed.returncode == 0 and "Belgium [test]" in listed.stdout  # a table cell
    shown = run("law", "--profiles", str(tmp_path), "show", "BE")
    assert "traite [art. 433quinquies]" in shown.stdout
    assert "[verified]" in shown.stdout or "[partly verified]" in shown.stdout or "[UNVERIFIED]" in shown.stdout


def test_citations_read_as_people_write_them():
    result = run("law", "assess", str(CONDUCT), "--against", "palermo_protocol")
    assert "Palermo Protocol, Art. 3(a)" in result.stdout and "palermo_protocol 3" not in result.stdout
    gaps = run("law", "gaps", "US")
    assert "Palermo Protocol, Art. 3(a)" in gaps.stdout and "18 U.S.C. §1591" in gaps.stdout
    assert "US 18 U.S.C." not in gaps.stdout
    th = run("law", "assess", str(CONDUCT), "--against", "TH")
    assert "[partly verified]" in th.stdout or "[UNVERIFIED]" in th.stdout  # the flag stays beside the citation


def test_research_notes_only_with_notes_flag():
    shown = run("law", "show", "DE")
    assert shown.returncode == 0
    assert "Open question" not in shown.stdout and "shared/" not in shown.stdout
    assert "palermo law show DE --notes" in shown.stdout
    notes = run("law", "show", "DE", "--notes")
    assert "Research notes (for legal drafters)" in notes.stdout and "Open question: " in notes.stdout
    assert "What was read: " in notes.stdout and "UN Treaty Collection status" in notes.stdout
    assert "shared/" not in notes.stdout  # a local research folder is no source a reader can open


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
    ("acts: [recruitment]\ncolour: red\n", "colour: unknown field"),
    ("acts: [recruitment]\nvictim: []\n", "victim: unknown field (did you mean 'victims'?)"),
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
    data["offences"][0]["elements"]["child"]["age_below"] = 18
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
    assert f"FR.yaml:{line}: offences[0].penalties[0].max_years" in result.stderr


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
