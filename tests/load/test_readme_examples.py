"""The README's query examples run as written after ``make demo`` (issue 12): each command of the
block, on a warehouse of the samples, with ``JIXIAO_DB`` as the block sets it; the numbers their
comments quote come out of them; the credibility tables are the views' rows."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from flows.cli import app
from load.engine import reader
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("### Querying the demo"):README.index("### Reporting in Excel")]
BLOCK = re.search(r"```sh\n(.*?)```", SECTION, re.S).group(1)


def _commands() -> list[tuple[str, list[str]]]:
    """(the command as written, the comment lines right after it) for each jixiao command."""
    out: list[tuple[str, list[str]]] = []
    lines = BLOCK.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("jixiao "):
            cmd = [line]
            i += 1
            while i < len(lines) and lines[i].startswith(" "):
                cmd.append(lines[i].strip())
                i += 1
            notes = []
            while i < len(lines) and lines[i].startswith("#   "):
                notes.append(lines[i])
                i += 1
            out.append((" ".join(cmd), notes))
        else:
            i += 1
    return out


COMMANDS = _commands()


def test_the_block_uses_the_demo_warehouse_and_the_installed_jixiao():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo_db = re.search(r"^DEMO_DB := (\S+)$", makefile, re.M).group(1)
    assert re.search(rf"^export JIXIAO_DB={re.escape(demo_db)}$", BLOCK, re.M)
    assert BLOCK.startswith(". .venv/bin/activate\n")
    assert "ingest samples/ --db $(DEMO_DB)" in makefile
    assert len(COMMANDS) >= 10


@pytest.fixture(scope="module")
def place(corpus_db, tmp_path_factory) -> Path:
    """A working folder like the repository's: the saved queries, a reports folder."""
    home = tmp_path_factory.mktemp("readme")
    (home / "warehouse" / "reports").mkdir(parents=True)
    (home / "warehouse" / "queries").symlink_to(ROOT / "warehouse" / "queries")
    return home


@pytest.mark.parametrize(("command", "notes"), COMMANDS, ids=[c[:40] for c, _ in COMMANDS])
def test_each_example_runs(place, corpus_db, monkeypatch, command, notes):
    monkeypatch.chdir(place)
    args = shlex.split(command)[1:]
    target = None
    if ">" in args:
        at = args.index(">")
        args, target = args[:at], Path(args[at + 1])
    r = CliRunner().invoke(app, args, env={"JIXIAO_DB": str(corpus_db)})
    assert r.exit_code == 0, f"{command}\n{r.stderr}"
    if target is not None:
        target.write_text(r.stdout, encoding="utf-8")
        assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    for note in notes:  # the numbers the comment quotes are the command's
        for number in re.findall(r"\d+\.\d\d", note):
            assert number in r.stdout, f"{command}: {number} ({note})"
    for out in re.findall(r"--to (\S+)", command):
        assert (place / out).stat().st_size > 0


def _table(marker: str) -> list[str]:
    """The markdown table rows after the line containing ``marker`` (heading rows dropped)."""
    start = README.index(marker)
    rows = []
    for line in README[start:].splitlines()[1:]:
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    return rows[2:]


def _cell(v: object) -> str:
    return str(v).replace("|", "\\|")


def test_readme_top5_is_the_view_on_the_samples(corpus_db):
    with reader(corpus_db) as engine, engine.connect() as conn:
        top = conn.execute(text(
            "SELECT review_rank, project_name, fiscal_year, total_score, credibility, reasons "
            "FROM v_report_credibility WHERE review_rank <= 5 ORDER BY review_rank")).all()
    assert _table("The top 5 of the demo by `v_report_credibility`") == [
        "| " + " | ".join(_cell(v) for v in r) + " |" for r in top]


def test_readme_weights_are_the_view(corpus_db):
    with reader(corpus_db) as engine, engine.connect() as conn:
        weights = conn.execute(text(
            "SELECT * FROM v_credibility_weights "
            "ORDER BY max_penalty DESC, first_penalty DESC, flag_code")).all()
    assert _table("(tune them there; SCHEMA.md shows them)") == [
        f"| `{r.flag_code}` | {_cell(r.flag_description)} | {r.first_penalty} | "
        f"{r.per_extra_item} | {r.max_penalty} |" for r in weights]
