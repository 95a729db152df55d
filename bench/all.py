"""Every Okno benchmark in sequence (`make bench`): their JSON lines on stdout, then
{"bench": "all", "ok": [...], "failed": [...]}.

    python bench/all.py            full sizes (hours on a slow machine)
    python bench/all.py --quick    each script's --quick
    python bench/all.py --smoke    each script's --smoke: tiny sizes, does everything start

A failing script is reported and the next one runs. Each script uses its own
PostgreSQL database, so none drops another's.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, emit, log  # noqa: E402

SCRIPTS = ["run", "mail", "messaging", "sla", "kb", "automation", "reports"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="pass --quick to every script")
    parser.add_argument("--smoke", action="store_true", help="pass --smoke to every script")
    parser.add_argument("--only", action="append", choices=SCRIPTS, help="run just these")
    args = parser.parse_args()
    flags = ["--smoke"] if args.smoke else ["--quick"] if args.quick else []
    ok, failed = [], []
    for name in args.only or SCRIPTS:
        log(f"=== bench/{name}.py {' '.join(flags)}")
        began = time.perf_counter()
        # stdout is inherited: the script's JSON lines stream straight through.
        code = subprocess.run(
            [sys.executable, str(ROOT / "bench" / f"{name}.py"), *flags], cwd=ROOT, check=False
        ).returncode
        log(f"=== bench/{name}.py exit {code} after {time.perf_counter() - began:.0f} s")
        (ok if code == 0 else failed).append(name)
    emit({"bench": "all", "ok": ok, "failed": failed})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
