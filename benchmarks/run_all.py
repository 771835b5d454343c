"""Run every benchmark and print the figures the README quotes.

    make bench                                  # = .venv/bin/python benchmarks/run_all.py
    .venv/bin/python benchmarks/run_all.py --skip notebooks      # the quick ones only
    .venv/bin/python benchmarks/run_all.py --readme              # also rewrite README's "## Figures"

Each benchmark runs in its own process (so TensorFlow, BLAS threads and imports do not
leak between them): `import rnnlab` (fresh processes), explorer compute cores, numpy
reference vs Keras (as the lessons run it, rnnlab.setup()'s one BLAS thread, then with two), and the
execution time of every solution notebook. The results go to benchmarks/out/figures.json
and benchmarks/out/figures.md (gitignored). The machine, the load average before and after,
and the command are recorded with them: timings on a busy machine are pessimistic.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
BENCHES = ("import", "explorers", "reference", "notebooks")


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem_gb = round(kb / 1024 ** 2, 1)
    except (OSError, AttributeError):
        pass
    from importlib import metadata
    versions = {}
    for mod, dists in (("numpy", ["numpy"]), ("tensorflow", ["tensorflow-cpu", "tensorflow"]), ("keras", ["keras"])):
        versions[mod] = "?"
        for dist in dists:
            try:
                versions[mod] = metadata.version(dist)
                break
            except metadata.PackageNotFoundError:
                continue
    blas = "?"
    try:
        import numpy as np
        cfg = np.show_config(mode="dicts")
        b = cfg["Build Dependencies"]["blas"]
        blas = f"{b.get('name', '?')} {b.get('version', '')}".strip()
    except Exception:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": mem_gb, "os": platform.platform(terse=True),
            "python": platform.python_version(), "blas": blas, **versions}


def loadavg() -> str:
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "?"


def run_bench(name: str, args: list[str], env_extra: dict | None = None, timeout: int = 3600):
    """Run benchmarks/bench_<name>.py in its own process; its output streams through; returns its JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", TF_ENABLE_ONEDNN_OPTS="0", **(env_extra or {}))
        env.pop("RNNLAB_STRICT", None)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(HERE / f"bench_{name}.py"), "--json", str(out), *args],
                              env=env, cwd=ROOT, timeout=timeout)
        took = time.perf_counter() - t0
        if proc.returncode or not out.exists():
            return {"error": f"bench_{name}.py exited with status {proc.returncode}"}, took
        return json.loads(out.read_text()), took


def browser_timings() -> dict | None:
    """Timings the last browser test run left in browser_tests/artifacts/ (not measured here)."""
    files = sorted((ROOT / "browser_tests" / "artifacts").glob("[0-9][0-9]_timings.json"))
    if not files:
        return None
    updates, pages = [], {}
    for f in files:
        t = json.loads(f.read_text())
        updates += [v for k, v in t.items() if k.endswith(" update")]
        pages[f.name[:2]] = t.get("fresh page to explored", t.get("fresh page to moved sliders"))
    when = dt.datetime.fromtimestamp(max(f.stat().st_mtime for f in files)).strftime("%Y-%m-%d %H:%M")
    latency = {}
    for f in sorted((ROOT / "browser_tests" / "artifacts").glob("[0-9][0-9]_latency.json")):
        for control, ms in json.loads(f.read_text()).items():
            latency[f"lesson {f.name[:2]}, {control}"] = ms
    return {"when": when, "updates": updates, "pages": pages, "latency": latency}


def fmt_reference(rows: list[dict], rows_1t: list[dict] | None) -> list[str]:
    one = {r["cell"]: r for r in (rows_1t or []) if isinstance(r, dict)}
    lines = ["| cell (N=64, T=100, D=32, H=128, float32) | numpy fwd+bwd | Keras tf.function | ratio (goal <= 0.8) "
             "| numpy, 2 BLAS threads | ratio | same results |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        if "ratio" not in r:
            lines.append(f"| {r['cell']} | {r['status']} | | | | | |")
            continue
        o = one.get(r["cell"], {})
        o_ms = f"{o['numpy_ms']:.1f} ms" if "numpy_ms" in o else "-"
        o_ratio = f"{o['ratio']:.2f}" if "ratio" in o else "-"
        lines.append(f"| {r['cell']} | {r['numpy_ms']:.1f} ms | {r['keras_ms']:.1f} ms | **{r['ratio']:.2f}** "
                     f"| {o_ms} | {o_ratio} | {'yes' if r['agree'] else 'NO'} |")
    return lines


def report(res: dict) -> str:
    m = res["machine"]
    L = []
    L.append("Reproduce with `make bench` (= `.venv/bin/python benchmarks/run_all.py`; about 6 minutes on a quiet machine, "
             "`--skip notebooks` for the quick figures, `--readme` rewrites this section). "
             "Notebooks run one after the other with nbclient on copies of `solutions/`; the numpy reference "
             "and Keras run interleaved in one process with the same weights (inputs, h0 and weights all get "
             "gradients); explorer cores are what one slider move computes.")
    L.append("")
    busy = False
    try:
        busy = float(str(res["load_before"]).split()[0]) > m["cores"] or float(
            str(res["load_after"]).split()[0]) > m["cores"]
    except (ValueError, IndexError, TypeError):
        pass
    if busy:
        L.append("**These figures were measured while other jobs shared the cores** (load average above the core "
                 "count): every timing is pessimistic, the numpy ones with two BLAS threads most of all.")
        L.append("")
    L.append(f"Measured {res['date']} on {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}; "
             f"Python {m['python']}, numpy {m['numpy']} ({m['blas']}), TensorFlow {m['tensorflow']}, "
             f"Keras {m['keras']}. Load average before / after: {res['load_before']} / {res['load_after']} "
             f"(1, 5, 15 min; above {m['cores']} means other work shared the cores and the timings are "
             f"pessimistic). Command: `{res['command']}`.")
    L.append("")
    L.append("| figure | measured | goal |")
    L.append("|---|---|---|")
    nbs = res.get("notebooks")
    if isinstance(nbs, dict) and nbs.get("notebooks"):
        w = nbs["worst"]
        L.append(f"| all {len(nbs['notebooks'])} solution notebooks, executed one after the other (kernel start "
                 f"included) | {nbs['total_s']:.0f} s | <= {nbs['goal_total_s']:.0f} s |")
        L.append(f"| slowest notebook ({w['notebook']}) | {w['seconds']:.1f} s | <= {nbs['goal_each_s']:.0f} s |")
    ref = res.get("reference")
    if isinstance(ref, list):
        one = {r.get("cell"): r for r in (res.get("reference_2threads") or []) if isinstance(r, dict)}
        for r in ref:
            if "ratio" in r:
                o = one.get(r["cell"], {})
                o_txt = f"; two BLAS threads: {o['ratio']:.2f}" if "ratio" in o else ""
                L.append(f"| {r['cell']} numpy forward+backward / Keras tf.function, as the lessons run | {r['ratio']:.2f} "
                         f"({r['numpy_ms']:.1f} / {r['keras_ms']:.1f} ms{o_txt}) | <= 0.8 |")
            else:
                L.append(f"| {r['cell']} numpy forward+backward / Keras tf.function | {r['status']} | <= 0.8 |")
    exp = res.get("explorers")
    if isinstance(exp, list):
        for r in exp:
            if "core_ms" in r:
                L.append(f"| lesson {r['lesson']} explorer core, {r['core']} (median) | {r['core_ms']:.2f} ms "
                         f"| <= {r['goal_ms']:.0f} ms |")
            else:
                L.append(f"| lesson {r['lesson']} explorer core | {r['status']} | <= 50 ms |")
        for r in exp:
            if "redraw_ms" in r:
                L.append(f"| lesson {r['lesson']} explorer full redraw (core + figure to PNG, median) "
                         f"| {r['redraw_ms']:.0f} ms | (information) |")
            if "inplace_ms" in r:
                L.append(f"| lesson {r['lesson']} explorer update in place (core + data artists redrawn + PNG, "
                         f"median) | {r['inplace_ms']:.0f} ms | (information) |")
    br = res.get("browser")
    if isinstance(br, dict) and br.get("updates"):
        import statistics
        L.append(f"| browser: control moved to output redrawn, every explorer control (median / max; last "
                 f"`make test-browser`, {br['when']}) | {statistics.median(br['updates']):.1f} / "
                 f"{max(br['updates']):.1f} s | (information) |")
        pages = ", ".join(f"{k}: {v:.0f} s" for k, v in sorted(br["pages"].items()) if v is not None)
        L.append(f"| browser: new page to run lesson and explorers tried, per lesson | {pages} | (information) |")
        for control, ms in sorted((br.get("latency") or {}).items()):
            ordered = sorted(ms)
            p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
            L.append(f"| browser latency, {control}: key press to new figure painted, median / p90 of "
                     f"{len(ms)} moves | {statistics.median(ms):.0f} / {p90:.0f} ms | <= 120 / 200 ms |")
    imp = res.get("import")
    if isinstance(imp, dict) and "median_s" in imp:
        L.append(f"| `import rnnlab`, fresh process (median of {imp['runs']}) | {imp['median_s']:.2f} s"
                 f"{' (imports TensorFlow!)' if imp['imports_tensorflow'] else ''} | <= {imp['goal_s']} s |")
        if "with_modules_median_s" in imp:
            L.append(f"| `import rnnlab` with checks, reference, quiz, progress, explorers, gradcheck, data "
                     f"(median) | {imp['with_modules_median_s']:.2f} s | <= {imp['goal_s']} s |")
    if isinstance(ref, list) and any("ratio" in r for r in ref):
        L.append("")
        L.append("numpy reference against Keras in detail (interleaved runs, medians):")
        L.append("")
        L.extend(fmt_reference(ref, res.get("reference_2threads")))
        L.append("")
        L.append("The goal column is measured as the lessons run: after `rnnlab.setup()`, numpy's matrix "
                 "products use one BLAS thread (with two, on a machine where another process competes for the "
                 "cores, the threads wait for each other and numpy slows down 10-20x). The two-thread column "
                 "(`RNNLAB_BLAS_THREADS=2`) shows what numpy does with both cores on a quiet machine.")
    if isinstance(nbs, dict) and nbs.get("notebooks"):
        L.append("")
        L.append("Every solution notebook (`RNNLAB_STRICT=1`, executed copies):")
        L.append("")
        L.append("| notebook | seconds | status |")
        L.append("|---|---|---|")
        for r in nbs["notebooks"]:
            L.append(f"| {r['notebook']} | {r['seconds']:.1f} | {r['status']} |")
    missing = [k for k in BENCHES if isinstance(res.get(k), dict) and "error" in res[k]]
    if missing:
        L.append("")
        L.append("Failed benchmarks: " + ", ".join(f"{k} ({res[k]['error']})" for k in missing))
    return "\n".join(L) + "\n"


def update_readme(text: str) -> None:
    """Replace the body of README's "## Figures" section (and nothing else)."""
    path = ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    m = re.search(r"^## Figures[^\n]*\n", readme, flags=re.M)
    if not m:
        raise SystemExit("README.md has no '## Figures' section to update")
    nxt = re.search(r"^## ", readme[m.end():], flags=re.M)
    end = m.end() + nxt.start() if nxt else len(readme)
    body = "\n" + text.rstrip("\n") + "\n\n"
    path.write_text(readme[:m.end()] + body + readme[end:].lstrip("\n") if nxt else readme[:m.end()] + body,
                    encoding="utf-8")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Run every rnnlab benchmark and print the figures.")
    p.add_argument("--skip", nargs="*", default=[], choices=BENCHES, help="benchmarks to leave out")
    p.add_argument("--repeats", type=int, default=30, help="repeats of the reference benchmark")
    p.add_argument("--readme", action="store_true", help="rewrite README.md's '## Figures' section")
    p.add_argument("--from-json", action="store_true",
                   help="measure nothing: print (and with --readme, write) the figures of the last run")
    args = p.parse_args(argv)

    if args.from_json:
        res = json.loads((OUT / "figures.json").read_text())
        res["browser"] = browser_timings()     # the last browser test run, whenever it was
        text = report(res)
        print(text)
        if args.readme:
            update_readme(text)
            print("README.md '## Figures' updated")
        return 0
    measuring = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--readme"]
    command = ("make bench" if not measuring
               else ".venv/bin/python benchmarks/run_all.py " + " ".join(measuring))
    res = {"date": dt.date.today().isoformat(), "command": command, "machine": machine(), "load_before": loadavg()}
    m = res["machine"]
    print(f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, numpy {m['numpy']} ({m['blas']}), "
          f"TensorFlow {m['tensorflow']}, Keras {m['keras']}; load average {res['load_before']}")
    steps = [
        ("import", "import", []),
        ("explorers", "explorers", []),
        ("reference", "reference", ["--repeats", str(args.repeats)]),
        ("notebooks", "notebooks", []),
    ]
    for key, bench, extra in steps:
        if key in args.skip:
            continue
        print(f"\n== {key} ==", flush=True)
        res[key], took = run_bench(bench, extra)
        if key == "reference":
            print("-- the same with two BLAS threads (RNNLAB_BLAS_THREADS=2) --", flush=True)
            res["reference_2threads"], _ = run_bench(bench, extra, {"RNNLAB_BLAS_THREADS": "2"})
    res["load_after"] = loadavg()
    res["browser"] = browser_timings()

    text = report(res)
    OUT.mkdir(exist_ok=True)
    (OUT / "figures.json").write_text(json.dumps(res, indent=1))
    (OUT / "figures.md").write_text(text)
    print("\n== figures ==\n")
    print(text)
    print(f"(written to {OUT.relative_to(ROOT)}/figures.md and figures.json)")
    if args.readme:
        update_readme(text)
        print("README.md '## Figures' updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
