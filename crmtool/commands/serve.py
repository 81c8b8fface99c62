"""`crmtool serve --store URL`: the real-time check as a small HTTP endpoint (POST /match, GET /health)."""

from __future__ import annotations

from pathlib import Path

import typer

from crmtool.commands.match import DECISIONS_HELP, REFRESH_HELP, RULES_HELP, STORE_HELP
from crmtool.exitcodes import ExitCode

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    store: str = typer.Option(..., "--store", metavar="URL", help=STORE_HELP),
    host: str = typer.Option("127.0.0.1", "--host", help="The address to listen on (default: this machine only)."),
    port: int = typer.Option(8765, "--port", help="The port (0: any free port, printed at the start)."),
    rules: Path | None = typer.Option(None, "--rules", metavar="FILE", help=RULES_HELP),
    decisions: Path | None = typer.Option(None, "--decisions", metavar="FILE", help=DECISIONS_HELP),
    refresh: float = typer.Option(1.0, "--refresh", metavar="SECONDS", help=REFRESH_HELP),
) -> int:
    """Answer POST /match (one JSON record, as for `crmtool match`) until stopped (Ctrl-C, SIGTERM).

    GET /health gives the index's size and freshness; POST /refresh re-reads the store whole. There is
    no authentication: keep the default --host 127.0.0.1 unless a proxy in front of it checks who asks.
    See docs/dedupe.md, "Real-time check".
    """
    import signal
    import threading

    from crmtool.console import err, warn_line
    from crmtool.dedupe.service import make_server, open_live
    from crmtool.errors import ConfigError
    from crmtool.load import open_target
    from crmtool.model import load_object_model

    if not 0 <= port <= 65535:
        raise ConfigError(f"--port {port}: a port is 0 to 65535")
    model = load_object_model()
    live = open_live(lambda: open_target(store, model), model, rules=rules, decisions=decisions, refresh=refresh,
                     warn=warn_line)
    try:
        server = make_server(live, host, port)
    except OSError as exc:
        raise ConfigError(f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})") from None
    if host not in LOOPBACK:
        warn_line(f"listening on {host}: anyone who reaches this port can look up the store's accounts and contacts "
                  "(there is no authentication)")
    health = live.health()
    contacts = health.get("objects", {}).get("contacts")
    held = f"{health['records']:,} accounts" + (f", {contacts['records']:,} contacts" if contacts else "")
    built = health["build_seconds"] + (contacts["build_seconds"] if contacts else 0.0)
    bound_host, bound_port = server.server_address[:2]
    err.print(f"serving {held} on http://{bound_host}:{bound_port} "
              f"(index built in {built:.1f} s; POST /match, GET /health); Ctrl-C stops",
              markup=False, highlight=False)

    def stop(signum, frame):
        raise KeyboardInterrupt

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if main else None
    try:
        with live:
            server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
        server.server_close()
    err.print("stopped", markup=False, highlight=False)
    return ExitCode.OK
