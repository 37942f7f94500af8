"""The `conference` command as an organiser runs it: real processes, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "CONFERENCE_VAR_DIR": str(cwd / "var"), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "conference.cli", *args],
        cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_plan_support_prints_the_plan_as_json(tmp_path: Path) -> None:
    document = {
        "budgets": {"data_package": 10, "childcare": 0},
        "data_offers": [{"country": "IN", "carrier": "Jio", "gb": 10, "price": 3.5}],
        "requests": [{"id": "R1", "registrant": "P1", "kind": "data_package", "country": "in", "carrier": "JIO", "gb": 8}],
    }  # fmt: skip
    (tmp_path / "in.json").write_text(json.dumps(document))
    result = run("plan", "support", "in.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["status"] == "optimal"
    assert [g["request"] for g in output["grants"]] == ["R1"]
    assert output["spent"]["data_package"] == 3.5


def test_plan_rejects_bad_input_with_one_line_per_problem_and_no_traceback(tmp_path: Path) -> None:
    document = {
        "blocks": [{"id": "LT1", "start": "2020-12-06T15:00:00", "end": "2020-12-06T14:00:00Z", "slot_minutes": 0, "languages": ["en"]}],
        "talks": [{"id": "T1", "speaker": "P1", "language": "en"}, {"id": "T1", "speaker": "P2", "language": "fr"}],
    }  # fmt: skip
    (tmp_path / "in.json").write_text(json.dumps(document))
    result = run("plan", "lightning", "in.json", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert "blocks[0].start: must carry an offset, such as Z or +05:30" in lines
    assert "blocks[0].slot_minutes: must be positive" in lines
    assert any(line.startswith("talks[1].id: repeats the id") for line in lines)
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_plan_rejects_a_file_that_is_not_json(tmp_path: Path) -> None:
    (tmp_path / "in.json").write_text("{not json")
    result = run("plan", "roster", "in.json", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("(document): not valid JSON")
    missing = run("plan", "roster", "nowhere.json", cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_demo_export_and_all_or_nothing_import(tmp_path: Path) -> None:
    assert run("demo", cwd=tmp_path).returncode == 0
    again = run("demo", "--if-empty", cwd=tmp_path)
    assert again.returncode == 0 and "was not loaded" in again.stdout
    exported = run("export-registrants", "--out", "all.csv", cwd=tmp_path)
    assert exported.returncode == 0
    rows = (tmp_path / "all.csv").read_text().splitlines()
    assert rows[0].startswith("name,email,timezone,languages") and len(rows) == 81

    other = {"CONFERENCE_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}"}
    assert run("demo", cwd=tmp_path, env=other).returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        rows[0] + "\nNew Person,new@example.org,UTC,en,,,,,,\nBroken,broken@,UTC,en,,,,,,\n"
    )
    result = run("import-registrants", "bad.csv", cwd=tmp_path, env=other)
    assert result.returncode == 2
    assert "Row 3, email: This is not an email address, such as name@example.org." in result.stderr
    assert "Nothing was imported." in result.stderr
    after = run("export-registrants", cwd=tmp_path, env=other)
    assert "new@example.org" not in after.stdout


def test_the_plan_help_points_at_the_contract_that_ships_with_the_project(tmp_path: Path) -> None:
    shown = run("--help", cwd=tmp_path)
    assert shown.returncode == 0
    assert "docs/planning.md" in shown.stdout and "shared/" not in shown.stdout
    doc = (Path(__file__).parents[2] / "docs" / "planning.md").read_text()
    contract = doc.split("## The JSON contract", 1)[1]
    for kind in ("roster", "lightning", "breakouts", "support"):
        assert f"(`plan {kind}`)" in contract
    assert contract.count("#### Input") == 4 and contract.count("#### Output") == 4
