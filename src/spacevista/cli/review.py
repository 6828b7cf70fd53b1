"""``spacevista review`` (serve the review page) and ``spacevista review-report`` (preference rates)."""

from __future__ import annotations

from pathlib import Path

import click

DB_HELP = "SQLite file of judgements (default DATASET_DIR/review.sqlite)"


@click.command("review")
@click.argument("dataset_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to bind; anything but loopback needs --token")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="port (0 picks a free one)")
@click.option("--sample", "sample_n", default=200, show_default=True, type=click.IntRange(1),
              help="items to review, stratified per task x scale")
@click.option("--annotator", default="", help="annotator name filled in on the page")
@click.option("--seed", default=0, show_default=True, type=int, help="seed of the sample")
@click.option("--token", envvar="SPACEVISTA_REVIEW_TOKEN", default=None,
              help="access token every request must carry (required beyond loopback; "
                   "env SPACEVISTA_REVIEW_TOKEN)")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help=DB_HELP)
@click.option("--threads", default=16, show_default=True, type=click.IntRange(1),
              help="handler threads (requests answered at once)")
@click.option("--request-timeout", default=10.0, show_default=True, type=click.FloatRange(0.1),
              help="seconds a client has to send its whole request before it is cut off")
def review(dataset_dir: Path, host: str, port: int, sample_n: int, annotator: str, seed: int,
           token: str | None, db_path: Path | None, threads: int, request_timeout: float) -> None:
    """Serve a web page to accept or reject a sample of the QA items in DATASET_DIR/qa.jsonl."""
    from spacevista.review.server import ReviewConfig, bare_host, check_bind, make_server

    try:
        check_bind(bare_host(host), token)
        config = ReviewConfig(dataset_dir, db_path, sample_n, seed, annotator, token)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    try:
        server = make_server(config, host, port, threads=threads, request_timeout=request_timeout)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    except OSError as e:
        hint = " (is IPv6 enabled on this machine?)" if ":" in host else ""
        raise click.ClickException(f"cannot serve on {host} port {port}: {e.strerror or e}{hint}") from e
    url = server.url + (f"?token={token}" if token else "")
    click.echo(f"reviewing {len(server.app.items)} of {len(server.app.records or [])} items "
               f"(seed {seed}); judgements go to {config.db_path}")
    click.echo(f"open {url}   (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.server_close()


@click.command("review-report")
@click.argument("dataset_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="report path; FILE.md and FILE.json are written (default DATASET_DIR/review_report)")
@click.option("--mark-rejected", is_flag=True,
              help="write DATASET_DIR/rejected.txt: ids a majority of annotators rejected")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help=DB_HELP)
def review_report(dataset_dir: Path, out: Path | None, mark_rejected: bool, db_path: Path | None) -> None:
    """Print and write the human preference rate per task and scale, with agreement."""
    from spacevista.cli.tables import make_console
    from rich.table import Table

    from spacevista.io.rejected import write_rejected
    from spacevista.review.preference import OVERALL, build_report
    from spacevista.review.sample import load_dataset
    from spacevista.review.storage import JudgementStore

    db = db_path or dataset_dir / "review.sqlite"
    if not db.is_file():
        raise click.ClickException(f"{db}: no judgements yet (run 'spacevista review {dataset_dir}' first)")
    try:
        records = load_dataset(dataset_dir)
        report = build_report(records, JudgementStore(db).latest())
    except ValueError as e:
        raise click.ClickException(str(e)) from e

    console = make_console()
    table = Table(title=f"Human preference rate · {dataset_dir.name} · {report.n_items} items judged")
    table.add_column("Task")
    for s in report.scales + [OVERALL]:
        table.add_column(s, justify="right")
    for t in report.tasks + [OVERALL]:
        table.add_row(t if t != OVERALL else f"[bold]{t}[/bold]",
                      *(report.cells[t].get(s).text() if report.cells[t].get(s) else "–"
                        for s in report.scales + [OVERALL]),
                      end_section=(t == report.tasks[-1]) if report.tasks else False)
    console.print(table)
    if report.agreement:
        agree = Table(title="Agreement between annotators")
        for col in ("A", "B", "items", "% agreement", "Cohen's kappa"):
            agree.add_column(col)
        for p in report.agreement:
            agree.add_row(p.annotator_a, p.annotator_b, str(p.n_items), f"{100 * p.percent:.1f}%",
                          "undefined" if p.kappa is None else f"{p.kappa:.3f}")
        console.print(agree)

    base = out if out is not None else dataset_dir / "review_report"
    if base.suffix in (".md", ".json"):
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    md, js = base.with_name(base.name + ".md"), base.with_name(base.name + ".json")
    md.write_text(report.to_markdown(f"Human preference rate: {dataset_dir.name}"), encoding="utf-8")
    js.write_text(report.to_json(), encoding="utf-8")
    console.print(f"wrote {md} and {js}")
    if mark_rejected:
        path = write_rejected(dataset_dir, report.rejected)
        console.print(f"wrote {path} ({len(report.rejected)} ids rejected by majority)")
