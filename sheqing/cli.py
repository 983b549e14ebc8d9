"""The ``sheqing`` command line. Each command is a thin call into the packages.

    sheqing run [--site S] [--no-crawl]       one full cycle: crawl, enrich, index, alerts, e-mail, brief
    sheqing watch --every 15m                 the same on a timer, without Airflow
    sheqing crawl SITE [SITE ...] | --all     crawl forums (each in its own subprocess)
    sheqing demo-forum [--port 8808]          serve the demo forum
    sheqing demo                              demo forum + crawl of every demo site + summary
    sheqing classify IN.jsonl -o OUT.jsonl    category, risk, sentiment, places, scores, evidence per line
    sheqing topics IN.jsonl -o TOPICS.json    issues (topics) ranked by heat
    sheqing train / sheqing eval              train the default model / measure it on the held-out split
    sheqing train --transformer DIR -o OUT    fine-tune transformer heads; sheqing eval --transformer OUT
    sheqing store install | status            create/upgrade the store; what it holds
    sheqing search [TEXT] [filters]           search stored posts
    sheqing trend [--interval day] [--by F]   posts per time bucket
    sheqing kibana provision --url URL        import the saved objects into Kibana
    sheqing alerts run | list | ack | resolve evaluate the alert rules and e-mail; manage alerts
    sheqing brief [--if-due]                  the daily brief: HTML file and e-mail
    sheqing sites                             list configured sites
    sheqing config                            show every setting, its value and what it does
    sheqing serve [--host H] [--port P]       the monitors' web page
    sheqing users add NAME --area A | list | remove   users of the web page
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager

import click

from .settings import Settings

log = logging.getLogger("sheqing")

# local times on the command line: 2024-03-10, 2024-03-10 08:00, 2024-03-10T08:00:00 ...
DATETIME = click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S",
                                   "%Y-%m-%dT%H:%M:%S"])


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


@contextmanager
def _stops_on(*errors: type[Exception]):
    """Inside it, one of ``errors`` (a bad input file, a store that is down, an unknown alert ...) stops the
    command with its message on one line (``Error: ...``, exit status 1) instead of a traceback; those
    errors' messages are written for the user."""
    try:
        yield
    except errors as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc  # (str(KeyError) adds quotes)
        raise click.ClickException(str(message)) from None


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
    with _stops_on(SiteConfigError):
        names = [s.name for s in load_sites(settings)] if all_sites else [load_site(n, settings).name for n in sites]
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

    from tqdm import tqdm

    from nlp.enrich import Enricher

    from .files import atomic_file

    records = _records(input_path, ("id", "text"))
    enricher = Enricher(_model(model_path) if model_path else None)
    with atomic_file(output_path) as out, tqdm(total=len(records), unit="post", desc="classifying") as bar:
        for start in range(0, len(records), 512):
            for row in enricher.classify(records[start:start + 512]):
                row.pop("text")
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
            bar.update(len(records[start:start + 512]))
    click.echo(f"{len(records)} posts classified -> {output_path}")


@main.command()
@click.argument("input_path", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", "output_path", required=True, type=click.Path(dir_okay=False))
def topics(input_path: str, output_path: str) -> None:
    """Group INPUT (JSON lines with id, title, text, published_at) into topics ranked by heat."""
    import json

    from nlp.topics import build_topics

    from .files import atomic_file

    records = _records(input_path, ("id", "text", "published_at"))
    with _stops_on(ValueError):  # a time that is not ISO 8601 with a zone
        result = build_topics(records)
    with atomic_file(output_path) as fh:
        json.dump(result, fh, ensure_ascii=False, indent=2)
    click.echo(f"{len(records)} posts -> {len(result)} topics -> {output_path}")


def _model(path):
    """The classifier saved at ``path``; a file that is not one stops the command in one sentence."""
    from nlp.classify import PostClassifier

    with _stops_on(ValueError):
        return PostClassifier.load(path)


def _records(path: str, required: tuple[str, ...]) -> list[dict]:
    """The records of a JSON-lines input, all of them, before any work starts: a bad line stops the command
    with its line number and nothing is written."""
    from nlp.enrich import read_jsonl

    with _stops_on(ValueError):
        return list(read_jsonl(path, required))


@main.command()
@click.option("--corrections", type=click.Path(exists=True, dir_okay=False), help="CSV of monitors' corrections.")
@click.option("-o", "--output", "output_path", type=click.Path(),
              help="Where to save the model (with --transformer: a folder, default var/models/transformer).")
@click.option("--transformer", "base", type=click.Path(exists=True, file_okay=False),
              help="Fine-tune transformer heads from this local model directory instead (needs the transformers "
                   "extra; hours on a CPU).")
@click.option("--heads", help="With --transformer: which heads, separated by commas (default: all three).")
@click.option("--epochs", default=3, show_default=True, help="With --transformer: passes over the data.")
@click.option("--max-length", default=256, show_default=True, help="With --transformer: tokens read per post.")
@click.option("--learning-rate", default=5e-5, show_default=True, help="With --transformer: peak learning rate.")
def train(corrections: str | None, output_path: str | None, base: str | None, heads: str | None, epochs: int,
          max_length: int, learning_rate: float) -> None:
    """Train the default classifier from the label files (never on the held-out split)."""
    from pathlib import Path

    from nlp.classify import DEFAULT_MODEL_PATH, HEADS
    from nlp.train import train as fit, train_transformers, training_examples

    chosen = HEADS if heads is None else tuple(h.strip() for h in heads.split(",") if h.strip())
    if heads is not None and not base:  # the default model always has all three (before the label files are read)
        raise click.UsageError("--heads chooses fine-tuned transformer heads: use it with --transformer DIR")
    if not chosen or not set(chosen) <= set(HEADS):
        raise click.BadParameter(f"heads are {', '.join(HEADS)}; got {heads!r}", param_hint="--heads")
    with _stops_on(ValueError):  # a corrections file that is not what it should be
        examples = training_examples(Path(corrections) if corrections else None)
    if base:
        out = Path(output_path or "var/models/transformer")
        click.echo(f"fine-tuning {', '.join(chosen)} from {base} on {len(examples)} examples ...")
        saved = train_transformers(examples, base, out, chosen, epochs=epochs, max_length=max_length,
                                   learning_rate=learning_rate)
        for head, path in saved.items():
            click.echo(f"{head}: saved to {path}")
        click.echo(f"measure it: sheqing eval --transformer {out}; use it: SHEQING_TRANSFORMER_DIR={out}")
        return
    out = Path(output_path) if output_path else DEFAULT_MODEL_PATH
    click.echo(f"training on {len(examples)} examples ...")
    model = fit(examples, out)
    click.echo(f"model {model.version_} saved to {out}")


@main.command("eval")
@click.option("--model", "model_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--external", is_flag=True, help="Also cross-validate the machinery on the board's own 7 labels.")
@click.option("--transformer", "transformer_dir", type=click.Path(exists=True, file_okay=False),
              help="Measure the fine-tuned heads in this folder (category/, risk/, sentiment/) in place of the "
                   "model's heads of those names.")
def evaluate(model_path: str | None, as_json: bool, external: bool, transformer_dir: str | None) -> None:
    """Measure the model on the held-out split: per-class P/R/F1, macro-F1, confusion, urgent recall."""
    import json

    from nlp.classify import DEFAULT_MODEL_PATH
    from nlp.datasets import govmsg
    from nlp.train import evaluate as measure, external_check, format_report

    heads = None
    if transformer_dir:
        from nlp.transformer import load_heads

        heads = load_heads(transformer_dir)
        click.echo(f"measuring the fine-tuned {', '.join(sorted(heads))} head(s) of {transformer_dir}", err=True)
    report = measure(_model(model_path or DEFAULT_MODEL_PATH), govmsg("heldout"), heads)
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
@click.option("--serve/--no-serve", default=True, help="Start the web page afterwards (until Ctrl-C).")
@click.pass_context
def demo(ctx: click.Context, port: int, serve: bool) -> None:
    """The main job on the demo forum: one full cycle, a summary, then the monitors' web page."""
    from .demo import demo_user, run_demo

    settings = _settings(ctx)
    run_demo(settings, port=port)
    name, password = demo_user(settings)
    url = f"http://{settings.web_host}:{settings.web_port}/"
    if not serve:
        click.echo(f"  web page: .venv/bin/sheqing serve, then {url} (user {name}, password {password})")
        return
    click.echo(f"\nmonitors' web page: {url}  (user {name}, password {password}; Ctrl-C to stop)")
    _serve(settings, settings.web_host, settings.web_port)


@main.group()
def kibana() -> None:
    """Kibana for analysts: data views, saved searches, Lens charts and the dashboard 社区舆情总览."""


@kibana.command("provision")
@click.option("--url", envvar="KIBANA_URL", required=True, show_envvar=True,
              help="Kibana address, e.g. https://kibana.example.cn:5601.")
@click.option("--space", help="Kibana space to import into, created if missing (default: the default space).")
@click.option("--api-key", envvar="KIBANA_API_KEY", show_envvar=True, help="Kibana/Elasticsearch API key (base64).")
@click.option("--username", envvar="KIBANA_USERNAME", show_envvar=True, help="User, when not using an API key.")
@click.option("--password", envvar="KIBANA_PASSWORD", show_envvar=True, help="Password of --username.")
@click.option("--ca-certs", envvar="KIBANA_CA_CERTS", show_envvar=True, type=click.Path(exists=True, dir_okay=False),
              help="CA certificate that signed Kibana's TLS certificate.")
@click.option("--index-prefix", help="Prefix of the aliases the data views read (default: SHEQING_ES_INDEX_PREFIX).")
@click.pass_context
def kibana_provision(ctx: click.Context, url: str, space: str | None, api_key: str | None, username: str | None,
                     password: str | None, ca_certs: str | None, index_prefix: str | None) -> None:
    """Import the saved objects into Kibana with overwrite (safe to run again)."""
    from indexer.kibana.provision import Auth, KibanaClient, KibanaError, provision

    prefix = index_prefix or _settings(ctx).es_index_prefix
    with _stops_on(KibanaError):
        client = KibanaClient(url, Auth(api_key=api_key, username=username, password=password), ca_certs=ca_certs)
        report = provision(client, space=space, index_prefix=prefix)
    click.echo(report.summary())



def _open_store(ctx: click.Context):
    from indexer.store import StoreError, open_store

    with _stops_on(StoreError, ValueError):
        return open_store(_settings(ctx))


@main.group()
def store() -> None:
    """The post and alert store: SQLite file by default, Elasticsearch when SHEQING_ES_URL is set."""


@store.command("install")
@click.pass_context
def store_install(ctx: click.Context) -> None:
    """Create or upgrade the schema (SQLite) or the lifecycle policy, templates and indices (Elasticsearch)."""
    from indexer.store import StoreError

    with _open_store(ctx) as st:
        with _stops_on(StoreError):
            st.install()
        click.echo(f"{st.name} store ready: {st.count():,} posts, {len(st.alerts(limit=10_000)):,} alerts")


@store.command("status")
@click.pass_context
def store_status(ctx: click.Context) -> None:
    """Posts, alerts and refused posts waiting in the dead-letter file."""
    from indexer.store import StoreError
    from indexer.writer import read_dead_letters

    settings = _settings(ctx)
    with _open_store(ctx) as st:
        with _stops_on(StoreError):
            posts, alerts = st.count(), st.alerts(limit=10_000)
            newest = st.search(sort="newest", size=1).hits
        waiting = read_dead_letters(st, settings.deadletter_dir)
        click.echo(f"store: {st.name} ({getattr(st, 'path', '') or settings.es_url})")
        click.echo(f"posts: {posts:,}" + (f", newest published {newest[0].post.published_at:%Y-%m-%d %H:%M}"
                                          if newest else ""))
        open_alerts = sum(a.status != "resolved" for a in alerts)
        click.echo(f"alerts: {len(alerts):,} ({open_alerts:,} open)")
        click.echo(f"refused posts waiting for the next run: {len(waiting):,}")
        for letter in waiting[:10]:
            click.echo(f"  {letter['id']}: {letter['reason']} (tried {letter['attempts']}x)")


def _filter_options(fn):
    """Options shared by the commands that select posts (see indexer.query.PostFilter)."""
    for option in reversed([
        click.option("--category", multiple=True, help="Category (repeatable)."),
        click.option("--risk", multiple=True, help="Risk level (repeatable)."),
        click.option("--min-risk", help="At or above this risk level."),
        click.option("--sentiment", multiple=True),
        click.option("--site", multiple=True),
        click.option("--place", multiple=True, help="Place name or administrative code (any level)."),
        click.option("--since", "start", type=DATETIME, help="Published at or after (local time)."),
        click.option("--until", "end", type=DATETIME, help="Published before (local time)."),
    ]):
        fn = option(fn)
    return fn


def _query_fields(**options) -> dict:
    return {k: v for k, v in options.items() if v not in (None, ())}


@main.command()
@click.argument("text", required=False, default="")
@_filter_options
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest", "risk"]), default="relevance")
@click.option("--page", default=1, type=int)
@click.option("--size", default=20, type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON post per line instead of a table.")
@click.pass_context
def search(ctx: click.Context, text: str, as_json: bool, **options) -> None:
    """Search posts: TEXT (every term must occur) plus filters, newest or most relevant first."""
    import json
    import re

    from indexer.store import QueryError, StoreError

    with _open_store(ctx) as st:
        with _stops_on(QueryError, StoreError):
            result = st.search(text=text, **_query_fields(**options))
    if as_json:
        for hit in result.hits:
            click.echo(json.dumps(hit.post.model_dump(mode="json"), ensure_ascii=False))
        return
    click.echo(f"{result.total:,} posts (page {result.page}, {result.size} per page)")
    for hit in result.hits:
        e = hit.post.enrichment
        excerpt = re.sub(r"</?mark>", "**", hit.snippet)
        click.echo(f"{hit.post.published_at:%Y-%m-%d %H:%M}  {e.risk:<8} {e.category:<16} {hit.post.id}\n"
                   f"    {hit.post.title}\n    {excerpt}")


@main.command()
@_filter_options
@click.option("--text", default="", help="Only posts containing these terms.")
@click.option("--interval", type=click.Choice(["hour", "day", "week", "month"]), default="day")
@click.option("--by", "group_by", help="Split by category, risk, sentiment, site, district or street.")
@click.pass_context
def trend(ctx: click.Context, interval: str, group_by: str | None, **options) -> None:
    """Posts per day (or hour, week, month), optionally split by a field."""
    from indexer.store import QueryError, StoreError

    with _open_store(ctx) as st:
        with _stops_on(QueryError, StoreError):
            buckets = st.trend(interval=interval, group_by=group_by, **_query_fields(**options))
    fmt = {"hour": "%Y-%m-%d %H:00", "day": "%Y-%m-%d", "week": "%Y-%m-%d (week)", "month": "%Y-%m"}[interval]
    for b in buckets:
        click.echo(f"{b.start.strftime(fmt)}  {b.key + '  ' if b.key else ''}{b.count:>6}")


def _now(at):
    from datetime import datetime

    from indexer.query import LOCAL_TZ

    if at is None:
        return datetime.now(LOCAL_TZ)
    return at if at.tzinfo else at.replace(tzinfo=LOCAL_TZ)


@main.group()
def alerts() -> None:
    """Early warning: evaluate the rules, e-mail what is due, and manage alerts."""


@alerts.command("run")
@click.option("--at", type=DATETIME, help="Evaluate as of this local time (default: now); for replays.")
@click.pass_context
def alerts_run(ctx: click.Context, at) -> None:
    """Evaluate every rule, record new and grown events, send the e-mails that are due."""
    from alerts.routing import RoutingError
    from alerts.rules import RuleError
    from alerts.runner import AlertRunner
    from indexer.store import StoreError

    settings = _settings(ctx)
    with _open_store(ctx) as st:
        with _stops_on(RuleError, RoutingError, StoreError):
            report = AlertRunner.from_settings(st, settings).run(_now(at))
    click.echo(report.summary())
    if not settings.smtp_host:
        click.echo(f"e-mails written to {settings.outbox_path}/ (set SHEQING_SMTP_HOST to send them)")
    if report.failed:
        sys.exit(1)


@alerts.command("list")
@click.option("--status", multiple=True, type=click.Choice(["new", "acknowledged", "resolved"]))
@click.option("--level", multiple=True, type=click.Choice(["blue", "yellow", "orange", "red"]))
@click.option("--limit", default=50, type=int)
@click.pass_context
def alerts_list(ctx: click.Context, status, level, limit: int) -> None:
    """Alerts, most recently updated first."""
    with _open_store(ctx) as st:
        found = st.alerts(status=status, level=level, limit=limit)
    for a in found:
        click.echo(f"{a.updated_at.astimezone(_now(None).tzinfo):%Y-%m-%d %H:%M}  {a.level:<6} {a.status:<12} "
                   f"{a.fingerprint}\n    {a.title}")
    click.echo(f"{len(found)} alerts")


def _set_status(ctx: click.Context, fingerprint: str, status: str, by: str, note: str) -> None:
    with _open_store(ctx) as st:
        with _stops_on(KeyError):
            alert = st.set_alert_status(fingerprint, status, by=by, note=note)
    click.echo(f"{alert.fingerprint}: {alert.status}")


@alerts.command("ack")
@click.argument("fingerprint")
@click.option("--by", required=True, help="Your user name.")
@click.option("--note", default="")
@click.pass_context
def alerts_ack(ctx: click.Context, fingerprint: str, by: str, note: str) -> None:
    """Acknowledge an alert (someone is on it)."""
    _set_status(ctx, fingerprint, "acknowledged", by, note)


@alerts.command("resolve")
@click.argument("fingerprint")
@click.option("--by", required=True, help="Your user name.")
@click.option("--note", default="")
@click.pass_context
def alerts_resolve(ctx: click.Context, fingerprint: str, by: str, note: str) -> None:
    """Resolve an alert; new posts about the same event later reopen it."""
    _set_status(ctx, fingerprint, "resolved", by, note)


@main.command()
@click.option("--at", type=DATETIME, help="The brief as of this local time (default: now).")
@click.option("--send/--no-send", default=True, help="E-mail it (once a day) or only write the HTML file.")
@click.option("--if-due", is_flag=True, help="Only if SHEQING_BRIEF_TIME has passed and today's was not sent.")
@click.pass_context
def brief(ctx: click.Context, at, send: bool, if_due: bool) -> None:
    """The daily brief: last 24 hours against the day before, hot topics, alerts; HTML file and e-mail."""
    from alerts.brief import brief_due, publish_brief
    from alerts.mailer import DeliveryError, mailer_from_settings
    from alerts.routing import RoutingError, load_routing
    from indexer.store import StoreError

    settings = _settings(ctx)
    now = _now(at)
    briefs_dir = settings.data_dir / "briefs"
    if if_due and not brief_due(now, settings.brief_time, briefs_dir):
        click.echo(f"brief not due (due daily at {settings.brief_time}; today's may already be sent)")
        return
    with _stops_on(RoutingError, StoreError, DeliveryError):
        recipients = load_routing(settings.recipients_file).brief
        with _open_store(ctx) as st:
            result, path, sent = publish_brief(
                st, now, briefs_dir=briefs_dir, mailer=mailer_from_settings(settings), sender=settings.mail_from,
                recipients=recipients, web_url=settings.web_url, send=send)
    click.echo(f"{result.subject}: {result.total:,} posts in the last 24 hours (previous day {result.previous_total:,})")
    click.echo(f"brief written to {path}")
    if sent:
        click.echo(f"e-mailed to {', '.join(recipients)}" + ("" if settings.smtp_host else f" (outbox: {settings.outbox_path})"))
    elif send:
        click.echo("today's brief was already e-mailed; the file is refreshed")


def _print_cycle(report) -> None:
    for crawl in report.crawls:
        click.echo(f"crawl  {crawl.summary()}")
    if report.enrich is not None:
        click.echo(f"enrich {report.enrich.posts} posts from {report.enrich.batches} new batches")
    if report.index is not None:
        click.echo(f"index  {report.index.summary()}")
    if report.alerts is not None:
        click.echo(f"alerts {report.alerts.summary()}")
    if report.brief:
        brief, path, sent = report.brief
        click.echo(f"brief  {path}" + (" (e-mailed)" if sent else ""))
    for error in report.errors:
        click.echo(f"problem: {error}", err=True)


@main.command()
@click.option("--site", "sites", multiple=True, help="Only these sites (default: every enabled site).")
@click.option("--no-crawl", is_flag=True, help="Skip crawling: enrich, index and alert on what is pending.")
@click.option("--at", type=DATETIME, help="Evaluate alerts as of this local time (default: now).")
@click.pass_context
def run(ctx: click.Context, sites: tuple[str, ...], no_crawl: bool, at) -> None:
    """One full cycle: crawl -> enrich -> index -> alerts -> e-mail (and the brief when due). Resumable."""
    from .pipeline import CycleBusy, run_cycle

    with _stops_on(CycleBusy):
        report = run_cycle(_settings(ctx), _now(at) if at else None, sites=list(sites) or None, crawl=not no_crawl,
                           progress=lambda step: log.info("%s", step))
    _print_cycle(report)
    if not report.ok:
        sys.exit(1)


def _duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        return float(text[:-1]) * units[text[-1]] if text[-1] in units else float(text)
    except (ValueError, IndexError):
        raise click.BadParameter(f"{text!r}: use seconds or a number with s, m or h (15m)") from None


@main.command()
@click.option("--every", default="15m", show_default=True, help="Time between the starts of two cycles (15m, 1h).")
@click.option("--cycles", type=int, default=0, help="Stop after this many cycles (0: run until stopped).")
@click.pass_context
def watch(ctx: click.Context, every: str, cycles: int) -> None:
    """Run a cycle every so often, on a single machine without Airflow (Ctrl-C stops after the cycle)."""
    import time

    from .pipeline import CycleBusy, run_cycle

    period = _duration(every)
    done = 0
    try:
        while True:
            started = time.monotonic()
            try:
                report = run_cycle(_settings(ctx), progress=lambda step: log.info("%s", step))
                _print_cycle(report)
            except CycleBusy as exc:
                click.echo(f"skipped: {exc}", err=True)
            done += 1
            if cycles and done >= cycles:
                return
            wait = max(0.0, period - (time.monotonic() - started))
            log.info("next cycle in %.0f s", wait)
            time.sleep(wait)
    except KeyboardInterrupt:
        click.echo("stopped")


# -- the monitors' web page -----------------------------------------------------------------------
@main.command()
@click.option("--host", help="Address to listen on (default: SHEQING_WEB_HOST).")
@click.option("--port", type=int, help="Port to listen on (default: SHEQING_WEB_PORT).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the monitors' web page (overview, alerts, search, topics, corrections) until interrupted."""
    settings = _settings(ctx)
    _serve(settings, host or settings.web_host, port or settings.web_port)


def _serve(settings, host: str, port: int) -> None:
    import uvicorn

    from indexer.store import StoreError
    from web import create_app
    from web.auth import UsersFile, UsersFileError

    with _stops_on(StoreError, UsersFileError, ValueError):
        users = UsersFile(settings.web_users_path)
        if not users.users():
            click.echo(f"no users yet in {settings.web_users_path}: add one with "
                       "`sheqing users add NAME --area 西湖区` (or --role admin)", err=True)
        app = create_app(settings, users=users)
    shown = f"[{host}]" if ":" in host else host
    log.info("monitors' web page on http://%s:%d/ (store: %s)", shown, port, app.state.site.store.name)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True, server_header=False)


@main.group()
def users() -> None:
    """Users of the web page: monitors see their areas (districts, streets); admins see everything."""


def _users_file(ctx: click.Context):
    from web.auth import UsersFile

    return UsersFile(_settings(ctx).web_users_path)


@users.command("add")
@click.argument("name")
@click.option("--area", "areas", multiple=True, help="District or street the user sees, by name or code (repeatable).")
@click.option("--role", type=click.Choice(["monitor", "admin"]), default="monitor", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@click.pass_context
def users_add(ctx: click.Context, name: str, areas: tuple[str, ...], role: str, password_stdin: bool) -> None:
    """Add a user, or replace one's password, areas and role."""
    from web.areas import AreaError, resolve_area
    from web.auth import MIN_PASSWORD_CHARS, User, UsersFileError, check_name, hash_password

    settings = _settings(ctx)
    with _stops_on(AreaError, UsersFileError):
        check_name(name)
        resolved = tuple(resolve_area(a, settings.home_area) for a in areas)
    if role == "admin" and resolved:
        raise click.UsageError("an admin sees every area; leave out --area")
    if role == "monitor" and not resolved:
        raise click.UsageError("a monitor needs at least one --area (district or street)")
    for area in resolved:
        if not area.code:
            click.echo(f"note: {area.name} is not an administrative unit; posts are matched by that name as written",
                       err=True)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_CHARS:
        raise click.ClickException(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    with _stops_on(UsersFileError, OSError):
        replaced = _users_file(ctx).put(User(name=name, role=role, areas=resolved,
                                             password_hash=hash_password(password)))
    where = "every area" if role == "admin" else ", ".join(a.label() for a in resolved)
    click.echo(f"{'updated' if replaced else 'added'} {role} {name}: {where}")


@users.command("list")
@click.pass_context
def users_list(ctx: click.Context) -> None:
    """The users of the web page, their roles and areas."""
    from web.auth import UsersFileError

    with _stops_on(UsersFileError):
        found = _users_file(ctx).users()
    for user in sorted(found.values(), key=lambda u: u.name):
        where = "every area" if user.sees_everything else (", ".join(a.label() for a in user.areas) or "(no area)")
        click.echo(f"{user.name:20} {user.role:8} {where}")
    click.echo(f"{len(found)} users in {_settings(ctx).web_users_path}")


@users.command("remove")
@click.argument("name")
@click.pass_context
def users_remove(ctx: click.Context, name: str) -> None:
    """Remove a user (their open sessions end at once)."""
    from web.auth import UsersFileError

    with _stops_on(UsersFileError):
        removed = _users_file(ctx).remove(name)
    if not removed:
        raise click.ClickException(f"no user named {name!r}")
    click.echo(f"removed {name}")


if __name__ == "__main__":
    main()
