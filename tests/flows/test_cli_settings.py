"""A bad setting or an unusable warehouse stops a command at once, with one line (exit 1),
before any file is read."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import SAMPLES


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env of the project's folder

    def invoke(*args: str, **env: str):
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        return CliRunner().invoke(app, list(args))

    return invoke


def _one_line(r, says: str) -> None:
    assert r.exit_code == 1, r.stdout
    assert r.stderr.count("\n") == 1 and says in r.stderr, r.stderr


def test_a_folder_as_warehouse(run, tmp_path):
    (tmp_path / "w.duckdb").mkdir()
    for cmd in (["ingest", str(SAMPLES)], ["sql", "SELECT 1"], ["issues"]):
        _one_line(run(*cmd, "--db", str(tmp_path / "w.duckdb")), "is a folder")


def test_a_text_file_as_warehouse(run, tmp_path):
    (tmp_path / "w.duckdb").write_text("not a database\n", encoding="utf-8")
    _one_line(run("ingest", str(SAMPLES), "--db", str(tmp_path / "w.duckdb")),
              "is not a DuckDB database")
    assert (tmp_path / "w.duckdb").read_text(encoding="utf-8") == "not a database\n"


@pytest.mark.parametrize(("key", "value", "says"), [
    ("JIXIAO_RULES", "atlantis", "JIXIAO_RULES='atlantis' is not one of"),
    ("JIXIAO_SCHEDULE", "0 2 * *", "JIXIAO_SCHEDULE='0 2 * *' is not a schedule"),
    ("JIXIAO_ALERT_ON", "sometimes", "JIXIAO_ALERT_ON='sometimes'"),
])
def test_a_bad_setting(run, tmp_path, key, value, says):
    for cmd in (["ingest", str(SAMPLES), "--db", str(tmp_path / "w.duckdb")], ["serve"],
                ["status"]):
        _one_line(run(*cmd, **{key: value}), says)
    assert not (tmp_path / "w.duckdb").exists()


def test_reprocess_takes_a_status(run, tmp_path):
    _one_line(run("ingest", str(SAMPLES), "--db", str(tmp_path / "w.duckdb"),
                  "--reprocess", "everything"), "--reprocess is failed, quarantined or all")


def test_a_reader_waits_while_an_ingest_writes_a_document(run, tmp_path):
    import subprocess
    import sys

    from load import writer

    db = tmp_path / "w.duckdb"
    with writer(db):
        pass  # the schema
    # another process holds the file to write for 1.5 s, as an ingest does for one document
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(1.5)", str(db)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    r = run("sql", "--db", str(db), "--format", "csv", "SELECT count(*) AS n FROM ingest_run")
    holder.wait(10)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines() == ["\ufeffn", "0"]  # csv starts with a BOM (Excel)
