"""python -m rnnlab build | execute | robust | from-percent | doctor | progress | charlm | grade | gradebook"""
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
    from .course import dashboard, progress
    rows = dashboard.summary()
    if args.json:
        print(json.dumps({"store": str(progress.store_path()), "lessons": rows,
                          "exercises": progress.load()["exercises"]}, indent=1))
    else:
        print(f"progress store: {progress.store_path()}")
        print(dashboard.table(rows))
    return 0


def _grade(args) -> int:
    from . import grading
    return grading.main(args)


def _gradebook(args) -> int:
    from .grading import gradebook
    return gradebook.main(args)


def _charlm_text(args):
    from .data import chars
    """(train, valid) text: the learner's file split at its end, or the standard library's held-out files
    (the same split as lesson 10, whose held-out text is its first 100,000 characters)."""
    return chars.split_text(chars.load_text(args.text)) if args.text else chars.stdlib_split(args.max_chars)


def _charlm_train(args) -> int:
    train_text, valid_text = _charlm_text(args)      # a bad file is named before Keras loads (5-7 s)
    import time

    from .data import chars
    from .models import charlm
    from .session import import_keras
    import_keras(seed=args.seed)
    out = Path(args.out)
    if args.resume and out.exists():
        model, vocab = charlm.load(out)
        print(f"resuming {out}")
    else:
        vocab = chars.CharVocab.from_text(train_text, min_count=args.min_count)
        model = charlm.build_model(vocab.size, units=args.units, lr=args.lr)
    train_ids, valid_ids = vocab.encode(train_text), vocab.encode(valid_text)
    print(f"text: {len(train_text):,} training and {len(valid_text):,} held-out characters, "
          f"vocabulary {vocab.size}; training for {args.minutes:g} minutes")
    data = charlm.training_data(train_ids, args.seq, args.batch, args.seed)
    best = float("inf")
    start = time.perf_counter()
    steps = 0
    while time.perf_counter() - start < 60 * args.minutes:
        model.fit(data, steps_per_epoch=args.block, epochs=1, verbose=0)
        steps += args.block
        bits = charlm.evaluate_bits(model, valid_ids)
        note = ""
        if bits < best:
            best = bits
            charlm.save(model, vocab, out)
            note = f"  saved {out}"
        else:                      # no progress on held-out text: smaller steps
            lr = max(float(model.optimizer.learning_rate.numpy()) / 2, 1e-4)
            model.optimizer.learning_rate.assign(lr)
            note = f"  learning rate -> {lr:.2g}"
        print(f"{time.perf_counter() - start:6.0f} s  {steps:6d} batches  held-out {bits:.3f} bits/char{note}",
              flush=True)
    lm = charlm.NumpyCharGRU.from_keras(charlm.load(out)[0])
    print("sample:", repr(charlm.generate(lm, vocab, "\n", 200, 0.7, args.seed)))
    return 0


def _charlm_sample(args) -> int:
    from .models import charlm
    model, vocab = charlm.load(args.model)
    lm = charlm.NumpyCharGRU.from_keras(model)
    print(args.prompt + charlm.generate(lm, vocab, args.prompt, args.chars, args.temperature, args.seed))
    return 0


def _charlm_eval(args) -> int:
    from .models import charlm
    _, valid_text = _charlm_text(args)
    model, vocab = charlm.load(args.model)
    print(f"held-out bits per character: {charlm.evaluate_bits(model, vocab.encode(valid_text)):.3f}")
    return 0




def _charlm(args) -> int:
    try:
        return {"train": _charlm_train, "sample": _charlm_sample, "eval": _charlm_eval}[args.charlm_command](args)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _add_charlm(sub) -> None:
    cl = sub.add_parser("charlm", help="train, sample or evaluate a character language model (lesson 10)")
    csub = cl.add_subparsers(dest="charlm_command", required=True)
    tr = csub.add_parser("train", help="train a character GRU; save the best model on held-out text, halve the "
                                       "learning rate whenever held-out bits stop falling")
    tr.add_argument("--text", help="a UTF-8 text file (default: the Python standard library's source)")
    tr.add_argument("--max-chars", type=int, default=2_200_000, help="characters of standard library text")
    tr.add_argument("--minutes", type=float, default=5.0)
    tr.add_argument("--out", default="charlm.keras")
    tr.add_argument("--units", type=int, default=128)
    tr.add_argument("--lr", type=float, default=1e-2)
    tr.add_argument("--seq", type=int, default=50, help="training window length T")
    tr.add_argument("--batch", type=int, default=128)
    tr.add_argument("--block", type=int, default=200, help="batches between held-out evaluations")
    tr.add_argument("--min-count", type=int, default=1, help="rarer characters become the unknown id 0")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--resume", action="store_true", help="continue training the model in --out")
    sa = csub.add_parser("sample", help="generate text from a saved model")
    sa.add_argument("--model", default="charlm.keras")
    sa.add_argument("--prompt", default="def ")
    sa.add_argument("--temperature", type=float, default=0.7)
    sa.add_argument("--chars", type=int, default=400)
    sa.add_argument("--seed", type=int, default=0)
    ev = csub.add_parser("eval", help="held-out bits per character of a saved model")
    ev.add_argument("--model", default="charlm.keras")
    ev.add_argument("--text")
    ev.add_argument("--max-chars", type=int, default=2_200_000)
    cl.set_defaults(func=_charlm)


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
    _add_charlm(sub)
    p = sub.add_parser("grade", help="grade submissions: writes DIR/grades.csv and DIR/feedback/")
    p.add_argument("submissions", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds per exercise (its cell, check and hidden tests); per cell with --execute "
                        "(default: the lesson's own, from its measured exercise times)")
    p.add_argument("--memory", type=int, default=4096, help="memory limit per submission in MB (default 4096)")
    p.add_argument("--execute", action="store_true",
                   help="also run each whole notebook (nbclient) and report in the feedback whether it runs")
    p.add_argument("--merge", action="store_true",
                   help="grade into a non-empty DIR, replacing only the rows and feedback of the learners graded now")
    p.set_defaults(func=_grade)
    p = sub.add_parser("gradebook", help="one row per learner from grade folders: gradebook.csv (and an LMS file)")
    p.add_argument("dirs", nargs="+", metavar="DIR")
    p.add_argument("--out", required=True)
    p.add_argument("--roster", help="CSV with a learner column; optional name, email, section, deadline_LNN")
    p.add_argument("--lms", choices=["canvas", "moodle"])
    p.add_argument("--lms-out", dest="lms_out")
    p.set_defaults(func=_gradebook)
    args = parser.parse_args(argv)
    return args.func(args)
