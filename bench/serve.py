"""A child process that opens the full store and serves the answer workload, for the memory and
start-up figures (`python -m bench.serve DB --count N`).

It prints READY once the store and matcher are open (what the bot does in `post_init` before
it takes its first update), then answers every kind of question and prints a JSON line. The
parent reads its peak RSS with `os.wait4`, so nothing here measures itself.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from datetime import date

from bench.answers import evening_services
from bench.child import READY
from bench.queries import answer_workload
from handlers.commands import answer_line
from store import open_store
from store.store import Store


def serve_workload(store: Store, count: int, seed: int) -> dict[str, float]:
    """Open the services, say READY, then answer `count` questions of every kind."""
    day = store.market.latest_date()
    if day is None:
        raise SystemExit("the store has no closes")
    services = evening_services(store, day)
    print(READY, flush=True)
    securities, sectors = store.market.securities(), store.market.sectors()
    first = store.market.session_after(date.min) or day
    workload = answer_workload(securities, sectors, first, day, count, seed)
    started = time.perf_counter()
    answered = 0
    for queries in workload.values():
        for query in queries:
            answer_line(services, query.text)
            answered += 1
    return {"answers": answered, "seconds": round(time.perf_counter() - started, 3)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("db")
    parser.add_argument("--count", type=int, default=200, help="questions of each kind")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    store = open_store(args.db)
    try:
        print(json.dumps(serve_workload(store, args.count, args.seed)), flush=True)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
