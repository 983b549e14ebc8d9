"""The ``sheqing`` command line. Each command is a thin call into the packages.

    sheqing crawl SITE [SITE ...] | --all     crawl forums (each in its own subprocess)
    sheqing demo-forum [--port 8808]          serve the demo forum
    sheqing demo                              demo forum + crawl of every demo site + summary
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
