"""python -m rnnlab build | execute | robust | doctor | progress | grade"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _build(args) -> int:
    from . import authoring
    problems = authoring.build(check=args.check)
    for p in problems:
        print(p)
    if args.check:
        if problems:
            print("lessons/ are out of date: run `make build` (python -m rnnlab build)", file=sys.stderr)
            return 1
        print("lessons/ match solutions/")
    return 0


def _execute(args) -> int:
    from . import authoring
    from .session import course_root
    paths = [Path(p) for p in args.notebooks] or sorted((course_root() / "solutions").glob("[0-9][0-9]_*.ipynb"))
    for p in paths:
        seconds = authoring.execute(p, timeout=args.timeout)
        print(f"{p.name}: executed in {seconds:.1f} s")
    for line in authoring.build():
        print(line)
    return 0


def _robust(args) -> int:
    from . import robust
    return robust.main(args.rest)


def _from_percent(args) -> int:
    from . import authoring
    nb = authoring.from_percent(Path(args.script).read_text(encoding="utf-8"), args.lesson, args.title)
    Path(args.notebook).write_text(authoring.dumps(nb), encoding="utf-8")
    print(f"wrote {args.notebook} ({len(nb.cells)} cells); now run: python -m rnnlab execute {args.notebook}")
    return 0


def _doctor(args) -> int:
    from . import doctor
    ok, text = doctor.report(check_tensorflow=not args.no_tensorflow)
    print(text)
    return 0 if ok else 1


def _progress(args) -> int:
    from . import progress
    rows = progress.summary()
    if args.json:
        print(json.dumps({"store": str(progress.store_path()), "lessons": rows,
                          "exercises": progress.load()["exercises"]}, indent=1))
    else:
        print(f"progress store: {progress.store_path()}")
        print(progress.table(rows))
    return 0


def _grade(args) -> int:
    from . import grading
    return grading.main(args)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["robust"]:          # its own options, --help included
        from . import robust
        return robust.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m rnnlab", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="generate lessons/ from solutions/")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if lessons/ differ")
    p.set_defaults(func=_build)
    p = sub.add_parser("execute", help="execute solution notebooks in place, then build")
    p.add_argument("notebooks", nargs="*")
    p.add_argument("--timeout", type=int, default=300)
    p.set_defaults(func=_execute)
    p = sub.add_parser("robust", add_help=False,
                       help="execute solutions under another seed and thread count; report changed check lines")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_robust)
    p = sub.add_parser("from-percent", help="turn a '# %%' script into a solution notebook (for authors)")
    p.add_argument("script")
    p.add_argument("notebook")
    p.add_argument("--lesson", required=True, help='two digits, e.g. "03"')
    p.add_argument("--title", required=True)
    p.set_defaults(func=_from_percent)
    p = sub.add_parser("doctor", help="check this installation")
    p.add_argument("--no-tensorflow", action="store_true", help="skip the TensorFlow import probe")
    p.set_defaults(func=_doctor)
    p = sub.add_parser("progress", help="show exercise and quiz progress")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_progress)
    p = sub.add_parser("grade", help="grade submissions: writes DIR/grades.csv and DIR/feedback/")
    p.add_argument("submissions", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--timeout", type=float, default=120,
                   help="seconds per exercise (its cell, check and hidden tests); per cell with --execute")
    p.add_argument("--memory", type=int, default=4096, help="memory limit per submission in MB (default 4096)")
    p.add_argument("--execute", action="store_true",
                   help="also run each whole notebook (nbclient) and report in the feedback whether it runs")
    p.set_defaults(func=_grade)
    args = parser.parse_args(argv)
    return args.func(args)
