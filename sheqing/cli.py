"""The ``sheqing`` command line. Each command is a thin call into the packages.

    sheqing crawl SITE [SITE ...] | --all     crawl forums (each in its own subprocess)
    sheqing demo-forum [--port 8808]          serve the demo forum
    sheqing demo                              demo forum + crawl of every demo site + summary
    sheqing classify IN.jsonl -o OUT.jsonl    category, risk, sentiment, places, scores, evidence per line
    sheqing topics IN.jsonl -o TOPICS.json    issues (topics) ranked by heat
    sheqing train / sheqing eval              train the default model / measure it on the held-out split
    sheqing sites                             list configured sites
    sheqing config                            show every setting, its value and what it does
"""

from __future__ import annotations

import logging
import sys

import click

from .settings import Settings

log = logging.getLogger("sheqing")


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False), help="Overrides SHEQING_DATA_DIR.")
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
@click.pass_context
def main(ctx: click.Context, data_dir: str | None, verbose: bool) -> None:
    """社情 sheqing: community public-safety monitoring of forums."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    overrides = {"data_dir": data_dir} if data_dir else {}
    try:
        ctx.obj = {"settings": Settings(**overrides), "verbose": verbose}
    except Exception as exc:  # pydantic's message names the variable and the problem
        raise click.ClickException(f"bad configuration: {exc}") from None


@main.command()
@click.argument("sites", nargs=-1)
@click.option("--all", "all_sites", is_flag=True, help="Crawl every enabled site.")
@click.pass_context
def crawl(ctx: click.Context, sites: tuple[str, ...], all_sites: bool) -> None:
    """Crawl SITES once (incrementally) and write one batch per site."""
    from crawlers.runner import crawl_site
    from crawlers.siteconfig import SiteConfigError, load_site, load_sites

    settings = _settings(ctx)
    try:
        names = [s.name for s in load_sites(settings)] if all_sites else [load_site(n, settings).name for n in sites]
    except SiteConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if not names:
        raise click.UsageError("name a site, or use --all")
    failed = 0
    for name in names:
        report = crawl_site(name, settings, log_level="DEBUG" if ctx.obj["verbose"] else "INFO",
                            echo=ctx.obj["verbose"])
        click.echo(report.summary())
        if report.batch:
            click.echo(f"  batch: {report.batch}")
        if not report.ok:
            failed += 1
            click.echo(f"  log: {report.log_path}", err=True)
    if failed:
        sys.exit(1)


@main.command("demo-forum")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8808, show_default=True, type=int)
@click.argument("extra", nargs=-1, type=click.UNPROCESSED)
def demo_forum(host: str, port: int, extra: tuple[str, ...]) -> None:
    """Serve the demo forum (Discuz! UTF-8 and GBK sites, Tieba) until interrupted.

    Further options (--rate-limit, --seed, --csv, --start, --speed) are passed on; see
    `python -m crawlers.demo_forum --help`.
    """
    from crawlers.demo_forum.server import main as serve

    sys.exit(serve(["--host", host, "--port", str(port), *extra]) or 0)


@main.command()
@click.argument("input_path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", "output_path", required=True, type=click.Path(dir_okay=False))
@click.option("--model", "model_path", type=click.Path(exists=True, dir_okay=False), help="A .skops model file.")
def classify(input_path: str, output_path: str, model_path: str | None) -> None:
    """Classify INPUT (JSON lines with id, title, text) into OUTPUT (JSON lines)."""
    import json
    import os

    from tqdm import tqdm

    from nlp.classify import PostClassifier
    from nlp.enrich import Enricher, read_jsonl

    enricher = Enricher(PostClassifier.load(model_path) if model_path else None)
    records = _records(read_jsonl(input_path), ("id", "text"))
    tmp = output_path + ".part"
    with open(tmp, "w", encoding="utf-8") as out, tqdm(total=len(records), unit="post", desc="classifying") as bar:
        for start in range(0, len(records), 512):
            for row in enricher.classify(records[start:start + 512]):
                row.pop("text")
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            bar.update(len(records[start:start + 512]))
    os.replace(tmp, output_path)
    click.echo(f"{len(records)} posts classified -> {output_path}")


@main.command()
@click.argument("input_path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", "output_path", required=True, type=click.Path(dir_okay=False))
def topics(input_path: str, output_path: str) -> None:
    """Group INPUT (JSON lines with id, title, text, published_at) into topics ranked by heat."""
    import json
    import os

    from nlp.enrich import read_jsonl
    from nlp.topics import build_topics

    records = _records(read_jsonl(input_path), ("id", "text", "published_at"))
    result = build_topics(records)
    tmp = output_path + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(result, fh, ensure_ascii=False, indent=2)
    os.replace(tmp, output_path)
    click.echo(f"{len(records)} posts -> {len(result)} topics -> {output_path}")


def _records(rows, required: tuple[str, ...]) -> list[dict]:
    records = []
    for n, row in enumerate(rows, 1):
        missing = [k for k in required if k not in row]
        if missing:
            raise click.ClickException(f"line {n}: missing field(s) {', '.join(missing)}")
        records.append(row)
    return records


@main.command()
@click.option("--corrections", type=click.Path(exists=True, dir_okay=False), help="CSV of monitors' corrections.")
@click.option("-o", "--output", "output_path", type=click.Path(dir_okay=False), help="Where to save the model.")
def train(corrections: str | None, output_path: str | None) -> None:
    """Train the default classifier from the label files (never on the held-out split)."""
    from pathlib import Path

    from nlp.classify import DEFAULT_MODEL_PATH
    from nlp.train import train as fit, training_examples

    examples = training_examples(Path(corrections) if corrections else None)
    out = Path(output_path) if output_path else DEFAULT_MODEL_PATH
    click.echo(f"training on {len(examples)} examples ...")
    model = fit(examples, out)
    click.echo(f"model {model.version_} saved to {out}")


@main.command("eval")
@click.option("--model", "model_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--external", is_flag=True, help="Also cross-validate the machinery on the board's own 7 labels.")
def evaluate(model_path: str | None, as_json: bool, external: bool) -> None:
    """Measure the model on the held-out split: per-class P/R/F1, macro-F1, confusion, urgent recall."""
    import json

    from nlp.classify import DEFAULT_MODEL_PATH, PostClassifier
    from nlp.datasets import govmsg
    from nlp.train import evaluate as measure, external_check, format_report

    report = measure(PostClassifier.load(model_path or DEFAULT_MODEL_PATH), govmsg("heldout"))
    if external:
        report["external_labelled_sample"] = external_check()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(format_report(report))
    if external:
        ext = report["external_labelled_sample"]
        click.echo(f"\nexternal check, labelled_sample.csv (board's 7 labels, {ext['folds']}-fold CV): "
                   f"macro-F1 {ext['macro_f1']:.3f}, accuracy {ext['accuracy']:.3f}")


@main.command()
@click.pass_context
def sites(ctx: click.Context) -> None:
    """List the configured sites."""
    from crawlers.siteconfig import SiteConfigError, load_site_file

    settings = _settings(ctx)
    for path in sorted(settings.sites_dir.glob("*.yaml")):
        try:
            s = load_site_file(path)
        except SiteConfigError as exc:
            click.echo(f"{path.stem:12} BROKEN: {exc}")
            continue
        state = "enabled" if s.enabled else "disabled"
        boards = ", ".join(b.id for b in s.boards)
        click.echo(f"{s.name:12} {s.engine:7} {state:8} {s.base_url}  boards: {boards}")


@main.command()
@click.pass_context
def config(ctx: click.Context) -> None:
    """Show every setting: environment variable, current value, meaning."""
    settings = _settings(ctx)
    for name, info in Settings.model_fields.items():
        value = getattr(settings, name)
        if name == "author_secret" and value is not None:
            value = "(set)"
        click.echo(f"SHEQING_{name.upper()} = {value}\n    {info.description}")


@main.command()
@click.option("--port", default=0, type=int, help="Demo forum port (0 = any free port).")
@click.pass_context
def demo(ctx: click.Context, port: int) -> None:
    """Start the demo forum, crawl every demo site, and show what was collected."""
    from .demo import run_demo

    run_demo(_settings(ctx), port=port)


if __name__ == "__main__":
    main()
