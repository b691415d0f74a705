"""The ``jixiao`` command line (entry points only: each command calls the layers below).

Heavy imports (Prefect, SQLAlchemy, Great Expectations) stay inside the commands that need
them, so ``jixiao extract`` starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="jixiao (绩效): 财政项目支出绩效自评表 PDFs → checked, queryable warehouse tables.",
)

#: exit status for a file that cannot be read (CLI contract, see README)
EXIT_UNREADABLE = 2


def _pdfs(paths: list[Path]) -> list[Path]:
    """Files given, and the PDFs below folders given, in a stable order."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() == ".pdf"))
        else:
            out.append(p)
    return out


@app.command()
def extract(
    files: list[Path] = typer.Argument(..., help="PDF file(s), or folders of PDFs"),
    summary: bool = typer.Option(
        False, "--summary", help="print one line per report instead of the JSON"),
    compact: bool = typer.Option(False, "--compact", help="JSON on one line"),
) -> None:
    """Print the raw extraction of FILE.pdf as JSON (the shape of the corpus *.truth.json).

    Cells are kept exactly as printed; a cell printed "-" is null. Exit status 2 with one line on
    stderr when a file cannot be read (encrypted, corrupt, empty, not a PDF, image only, no
    自评表, unknown column header).
    """
    from extract import ExtractError, extract_file

    targets = _pdfs(files)
    if not targets:
        typer.echo(f"jixiao extract: no PDF found in {' '.join(map(str, files))}", err=True)
        raise typer.Exit(EXIT_UNREADABLE)
    failed = 0
    docs = []
    for i, path in enumerate(targets, start=1):
        if summary and len(targets) > 1:
            typer.echo(f"[{i}/{len(targets)}] {path}", err=True)
        try:
            doc = extract_file(path)
        except ExtractError as exc:
            typer.echo(f"jixiao extract: {exc}", err=True)
            failed += 1
            continue
        docs.append(doc)
        if not summary:
            text = json.dumps(doc.to_truth(), ensure_ascii=False,
                              indent=None if compact else 1)
            sys.stdout.write(text + "\n")
    if summary:
        _print_summary(docs)
    if failed:
        raise typer.Exit(EXIT_UNREADABLE)


@app.command()
def check(
    files: list[Path] = typer.Argument(..., help="PDF file(s), or folders of PDFs"),
    rules: str | None = typer.Option(
        None, "--rules", help="scoring rule set (default: $JIXIAO_RULES, else shanghai)"),
    as_json: bool = typer.Option(False, "--json", help="findings as JSON lines"),
) -> None:
    """Extract and check reports against the scoring rules, without a warehouse.

    Prints, per report, the printed and the recomputed total and grade, every finding
    (data-quality issue) with both numbers, and what the identity matching across years did
    (renamed, new and unmatched projects). Exit 2 if a file cannot be read.
    """
    from rich.console import Console
    from rich.table import Table

    from extract import ExtractError, extract_file
    from flows.config import Settings
    from transform import load_overrides, transform_documents
    from transform.scoring import RULE_SETS

    rule_set = rules or Settings.load().rules
    if rule_set not in RULE_SETS:
        typer.echo(f"jixiao check: unknown rule set {rule_set!r}; known: {', '.join(RULE_SETS)}",
                   err=True)
        raise typer.Exit(1)
    docs, failed = [], 0
    for path in _pdfs(files):
        try:
            docs.append(extract_file(path))
        except ExtractError as exc:
            typer.echo(f"jixiao check: {exc}", err=True)
            failed += 1
    out, identity = transform_documents(docs, rules=rule_set, overrides=load_overrides())
    findings = [f for d in out for r in d.reports for f in r.findings]
    if as_json:
        import dataclasses

        for f in findings:
            sys.stdout.write(json.dumps(dataclasses.asdict(f), ensure_ascii=False) + "\n")
        raise typer.Exit(2 if failed else 0)
    console = Console(width=150)
    table = Table(title=f"自评表 checked by rule set {rule_set}")
    for col in ("file", "year", "project 项目", "总分 printed", "recomputed", "等级", "expected",
                "findings"):
        table.add_column(col)
    for d in out:
        for r in d.reports:
            e = r.evaluation
            table.add_row(d.file, str(e.fiscal_year or ""), r.project.project_name,
                          str(e.total_score or ""), str(e.recomputed_score or ""),
                          e.grade or "", e.expected_grade or "", str(len(r.findings)))
    console.print(table)
    from rich.markup import escape

    for f in findings:
        console.print(f"[{'red' if f.severity == 'error' else 'yellow'}]{f.severity}[/] "
                      f"{escape(f.one_line())}", highlight=False)
    console.print(f"{len(findings)} finding(s) in {sum(len(d.reports) for d in out)} report(s)")
    if identity.renamed_projects:
        console.print("renamed 更名: " + "; ".join(
            " → ".join(f"{n} ({y})" for y, n in p.aliases) for p in identity.renamed_projects))
    for label, group in (("new 新增", identity.new_projects),
                         ("unmatched 仅出现一年", identity.unmatched_projects),
                         ("discontinued 停止", identity.discontinued_projects)):
        if group:
            console.print(f"{label}: " + ", ".join(
                f"{p.latest_name} ({','.join(map(str, p.years))})" for p in group))
    for m in identity.fuzzy_matches:
        console.print(f"fuzzy match 模糊匹配 ({m.score:.0f}): {m.name_a} ≈ {m.name_b} "
                      "(add a row to transform/identity_overrides.csv if wrong)")
    if failed:
        raise typer.Exit(EXIT_UNREADABLE)


def _print_summary(docs: list) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="自评表 extracted (项目 · 指标 · 总分 · 等级)")
    for col in ("file", "year", "pages", "project 项目名称", "indicators", "total 总分", "grade 等级"):
        table.add_column(col)
    for doc in docs:
        for r in doc.reports:
            table.add_row(doc.file, str(r.fiscal_year or doc.fiscal_year or ""),
                          ",".join(map(str, r.pages)), r.project_name or "",
                          str(len(r.indicators)), r.total_score or "", r.grade or "")
    console = Console(width=140)
    console.print(table)
    n_rep = sum(len(d.reports) for d in docs)
    n_ind = sum(len(r.indicators) for d in docs for r in d.reports)
    console.print(f"{len(docs)} file(s), {n_rep} report(s), {n_ind} indicator(s)")


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
