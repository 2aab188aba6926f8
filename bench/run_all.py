"""Run every bench/bench_*.py main(), in name order (`make bench` / `python -m bench.run_all`)."""

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv=None) -> int:
    only = set(argv or sys.argv[1:])
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if m.name.startswith("bench_")
    )
    failed = []
    for name in names:
        if only and name not in only:
            continue
        print(f"\n=== {name} ===", flush=True)
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception as error:  # noqa: BLE001 - one broken benchmark does not hide the others' numbers
            print(f"{name} failed: {error!r}", flush=True)
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
