"""`data-sharing warehouse rebuild | generate | summarise` (docs/warehouse.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from data_sharing.settings import Settings
from gov_common.bus import make_bus
from gov_common.db import Database
from gov_common.logging import configure_logging


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="data-sharing warehouse")
    sub = parser.add_subparsers(dest="action", required=True)
    rebuild = sub.add_parser("rebuild", help="rebuild the warehouse from zero by reading the topics again")
    rebuild.add_argument("--force", action="store_true", help="take over a rebuild that did not finish")
    generate = sub.add_parser("generate", help="replace the warehouse's facts by a synthetic county year")
    generate.add_argument("--cases", type=int, default=1_000_000)
    generate.add_argument("--year", type=int, default=2025)
    generate.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging("data-sharing", settings.log_level)
    db = Database(settings.database_url)
    try:
        if args.action == "rebuild":
            from data_sharing.warehouse import pseudonym
            from data_sharing.warehouse.rebuild import RebuildRunning
            from data_sharing.warehouse.rebuild import rebuild as run_rebuild

            bus = make_bus(settings, client_id="data-sharing-warehouse-rebuild")
            try:
                done = run_rebuild(
                    db,
                    bus,
                    pseudonyms=pseudonym.load(settings),
                    force=args.force,
                    progress=_progress("events"),
                )
            except RebuildRunning as exc:
                print(exc, file=sys.stderr)
                return 1
            finally:
                bus.close()
            print(f"rebuilt into slot {done.slot} from {done.events} events in {done.seconds:.1f} s")
            return 0
        from data_sharing.warehouse.generator import generate as run_generate

        if args.cases < 1 or not 2000 <= args.year <= 2100:
            parser.error("--cases is at least 1 and --year between 2000 and 2100")
        made = run_generate(db, cases=args.cases, year=args.year, seed=args.seed, progress=_progress("cases"))
        print(
            f"generated {made.cases} cases, {made.steps} review steps and {made.supplements} supplement "
            f"materials for {args.year} in {made.seconds:.1f} s"
        )
        return 0
    finally:
        db.engine.dispose()


def _progress(what: str) -> Callable[[int], None]:
    def report(count: int) -> None:
        print(f"  {count} {what}", file=sys.stderr, flush=True)

    return report
