"""`scalpel-torch run RECIPE [--events -] [--runs-dir D]`, `scalpel-torch run --resume ID`, and
`scalpel-torch check RECIPE` / `scalpel-torch protocol check FILE`."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from . import __version__


def _sinks(events: str | None):
    if events is None:
        return [], None
    if events == "-":
        return [sys.stdout], None
    f = open(events, "w", encoding="utf-8")
    return [f], f


def main(argv: list[str] | None = None) -> int:
    # A parent that waits for SIGINT/SIGTERM with a dispatch source (`scalpel run --backend torch`) has them
    # blocked, and a spawned child inherits the mask: unblock them, or a cancel would stay pending until exit.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    p = argparse.ArgumentParser(prog="scalpel-torch", description="Scalpel's PyTorch backend.")
    p.add_argument("--version", action="version", version=f"scalpel-torch {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a recipe (or resume a run)")
    r.add_argument("recipe", nargs="?", help="the recipe YAML ('-': read it from stdin)")
    r.add_argument("--events", help="write event lines to this file ('-': stdout)")
    r.add_argument("--runs-dir", default=os.environ.get("SCALPEL_RUNS_DIR", "runs"), help="where run folders live")
    r.add_argument("--resume", metavar="ID", help="continue an interrupted, failed or cancelled run")
    r.add_argument("--run-id", help="use this run id (a remote run takes its caller's)")
    r.add_argument("--base", help="folder that relative paths of a recipe read from stdin start from")
    r.add_argument("--local", action="store_true", help="ignore the recipe's remote: and run here")
    c = sub.add_parser("check", help="check a recipe and print every problem")
    c.add_argument("recipe")
    pc = sub.add_parser("protocol", help="event protocol tools")
    pcs = pc.add_subparsers(dest="protocol_command", required=True)
    pcc = pcs.add_parser("check", help="check an event log against the protocol")
    pcc.add_argument("file")
    args = p.parse_args(argv)

    if args.command == "check":
        from .recipe import RecipeError, load
        try:
            load(args.recipe)
        except RecipeError as e:
            print(e)
            return 1
        print(f"{args.recipe}: ok")
        return 0
    if args.command == "protocol":
        from .events import problems
        try:
            with open(args.file, encoding="utf-8") as f:
                lines = [l.rstrip("\n") for l in f if l.strip()]
        except OSError as e:
            print(f"{args.file}: {e.strerror}", file=sys.stderr)
            return 1
        found = problems(lines)
        for line in found:
            print(line)
        if not found:
            print(f"{args.file}: {len(lines)} events conform to protocol v1")
        return 1 if found else 0

    from .recipe import RecipeError
    from .runner import StageError, start
    if not args.resume and not args.recipe:
        p.error("run needs a RECIPE or --resume ID")
    sinks, handle = _sinks(args.events)
    text = None
    try:
        if args.recipe == "-":
            text = sys.stdin.read()
        elif args.recipe and not args.resume:
            try:
                with open(args.recipe, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                print(f"error: {args.recipe}: {e.strerror}", file=sys.stderr)
                return 1
        from .remote import remote_of
        host = None
        # A recipe on stdin is how a remote run arrives: it always runs here (never hops again).
        if not args.local and args.recipe != "-":
            if args.resume:
                import json
                from .runner import RunStore
                try:
                    folder = RunStore(args.runs_dir).open(args.resume)
                    with open(os.path.join(folder, "state.json"), encoding="utf-8") as f:
                        host = json.load(f).get("remote")
                except (StageError, OSError, ValueError):
                    host = None
            elif text is not None:
                host = remote_of(args.recipe, text)
        if host:
            from .remote import run as run_remote
            _, status = run_remote(args.recipe or "recipe.yaml", text or "", host, args.runs_dir, sinks, args.resume)
        else:
            recipe_path = None if args.recipe == "-" else args.recipe
            _, status = start(recipe_path, args.runs_dir, sinks, resume=args.resume, run_id=args.run_id,
                              recipe_text=text if args.recipe == "-" else None, base=args.base)
    except RecipeError as e:
        print(e, file=sys.stderr)
        return 1
    except StageError as e:
        print(f"error: {e.message}" + (f" ({e.hint})" if e.hint else ""), file=sys.stderr)
        return 1
    finally:
        if handle:
            handle.close()
    return {"completed": 0, "cancelled": 130}.get(status, 1)


if __name__ == "__main__":
    raise SystemExit(main())
