#!/usr/bin/env python3
"""Train-step images/s of every runtime side by side, in one run: cnnbench's eigen_cpu (bench/bm_train,
Google Benchmark), cnnbench's LibTorch 1.13 policy (bench/bm_train_libtorch, when --build has it;
S1 and S3 only) and each Python framework through the module cnnbench generates for it
(make_trainer(model).step, bench/frameworks/time_steps.py, in the framework's own virtual
environment), on S1, S2 and S3 at 1 and 2 threads (S5, 3x224x224, with --config s5:16:1 once
bm_train has S5), the same batch and optimizer (SGD lr 0.01, momentum 0.9, as bm_train) and
synthetic data of the model's shape.

For each configuration it alternates, --rounds times, one measurement of every runtime (eigen_cpu
first, then libtorch, then each framework in turn; one process per measurement), and reports medians,
each runtime's ratio to eigen_cpu (img/s / eigen_cpu img/s, per round in brackets) and each process's
peak resident memory. Threads: bm_train's threads argument; LibTorch's torch::set_num_threads with
OPENBLAS_NUM_THREADS=1 (as bench/compare_libtorch.py); a framework module's set_threads(n), with
OMP_NUM_THREADS=n in its environment (MXNet reads it when it loads).
Default frameworks: every one bench/frameworks/codegen.py knows (tensorflow, keras-jax, pytorch, jax,
mxnet, chainer) that has a venv in --venvs; --frameworks names them (an unknown name or a missing venv
is an error); "libtorch" in --frameworks requires the binary, and without --frameworks it is included
when the binary exists.

The modules are generated from the model specs in --spec-dir (default tests/frameworks/fixtures, the
published models' specs) by bench/frameworks/codegen.py when it exists, else by gen_<framework>.py.

usage: bench/compare_frameworks.py [--build build/release] [--rounds 3] [--frameworks libtorch,jax,mxnet,...]
                                   [--config s1:64:1 ...] [--min-time 2] [--json out.json] [--markdown out.md]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
FW_DIR = os.path.join(HERE, "frameworks")
DEFAULT_CONFIGS = ["s1:64:1", "s1:64:2", "s3:128:1", "s3:128:2", "s2:64:1", "s2:64:2"]
BM_NAME = {"s1": "S1", "s2": "S2", "s3": "S3", "s5": "S5"}
LIBTORCH_MODELS = {"s1", "s3"}  # bench/bm_train_libtorch's benchmarks
TRAIN = {"loss": "softmax_cross_entropy", "init": "framework", "seed": 1,
         "optimizer": {"kind": "sgd", "lr": 0.01, "momentum": 0.9, "nesterov": False, "weight_decay": 0.0, "decay": 0.0}}


def bm_once(exe, bench, model, batch, threads, min_time, env=None):
    """One Google Benchmark measurement of `bench`<model> in its own process."""
    filt = f"^{bench}<{BM_NAME[model]}>/batch:{batch}/threads:{threads}/"
    out = subprocess.run([exe, f"--benchmark_filter={filt}", "--benchmark_format=json",
                          f"--benchmark_min_time={min_time}"], check=True, capture_output=True, text=True,
                         env=env).stdout
    runs = [b for b in json.loads(out)["benchmarks"] if b.get("run_type", "iteration") == "iteration"] if out.strip() else []
    if not runs:  # (Google Benchmark prints nothing on stdout when the filter matches nothing)
        sys.exit(f"compare_frameworks: {exe} has no benchmark matching {filt}")
    ctx = json.loads(out).get("context", {})
    return {"images_per_s": runs[0]["items_per_second"], "peak_rss_mib": runs[0].get("peak_rss_MiB"),
            "simd": ctx.get("eigen_simd")}


def eigen_once(build, model, batch, threads, min_time):
    return bm_once(os.path.join(build, "bench", "bm_train"), "train_step", model, batch, threads, min_time)


def libtorch_once(build, model, batch, threads, min_time):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS=str(threads))
    r = bm_once(os.path.join(build, "bench", "bm_train_libtorch"), "libtorch_step", model, batch, threads, min_time, env)
    return dict(r, version="LibTorch 1.13 (cnnbench's exec::libtorch)")


def default_frameworks(venvs, build):
    """Every framework codegen.py knows that has a venv, and libtorch when bm_train_libtorch is built."""
    sys.path.insert(0, FW_DIR)
    import codegen
    found = [f for f in codegen.FRAMEWORKS if os.path.exists(os.path.join(venvs, f, "bin", "python"))]
    if os.access(os.path.join(build, "bench", "bm_train_libtorch"), os.X_OK):
        found.insert(0, "libtorch")
    return found


def generate(framework, spec_path, train, out):
    codegen = os.path.join(FW_DIR, "codegen.py")
    if os.path.exists(codegen):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(train, f)
        subprocess.run([sys.executable, codegen, spec_path, "--framework", framework, "--train", f.name, "-o", out],
                       check=True)
        os.unlink(f.name)
        return
    sys.path.insert(0, FW_DIR)
    gen = __import__(f"gen_{framework.replace('-', '_')}")
    with open(spec_path) as f:
        spec = json.load(f)
    with open(out, "w") as f:
        f.write(gen.generate(spec, train))


def framework_once(python, module, batch, threads, min_time, classes):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    p = subprocess.run([python, os.path.join(FW_DIR, "time_steps.py"), module, "--batch", str(batch),
                        "--threads", str(threads), "--min-time", str(min_time), "--classes", str(classes)],
                       capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"compare_frameworks: {module} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    r = json.loads(p.stdout.strip().splitlines()[-1])
    return {"images_per_s": r["images_per_s"], "peak_rss_mib": r["peak_rss_bytes"] / 2**20, "version": r["version"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(REPO, "build", "release"))
    ap.add_argument("--venvs", default=os.environ.get("CNNBENCH_VENV_DIR", os.path.join(REPO, ".venvs")))
    ap.add_argument("--frameworks", help="comma-separated (default: every framework codegen.py knows that has a "
                    "venv, and libtorch when --build has bench/bm_train_libtorch)")
    ap.add_argument("--spec-dir", default=os.path.join(REPO, "tests", "frameworks", "fixtures"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--config", action="append", help="model:batch:threads (default: %s)" % " ".join(DEFAULT_CONFIGS))
    ap.add_argument("--min-time", type=float, default=2.0, help="seconds per measurement")
    ap.add_argument("--json", help="write every measurement here")
    ap.add_argument("--markdown", help="write the table here too")
    a = ap.parse_args()
    configs = a.config or DEFAULT_CONFIGS
    frameworks = a.frameworks.split(",") if a.frameworks else default_frameworks(a.venvs, a.build)
    for cfg in configs:
        if len(cfg.split(":")) != 3 or cfg.split(":")[0] not in BM_NAME:
            sys.exit(f"compare_frameworks: --config {cfg}: want model:batch:threads, model one of {', '.join(BM_NAME)}")
    sys.path.insert(0, FW_DIR)
    import codegen
    unknown = [f for f in frameworks if f != "libtorch" and f not in codegen.FRAMEWORKS]
    if unknown:
        sys.exit(f"compare_frameworks: unknown framework {', '.join(unknown)} (known: libtorch, "
                 f"{', '.join(codegen.FRAMEWORKS)})")
    if "libtorch" in frameworks and not os.access(os.path.join(a.build, "bench", "bm_train_libtorch"), os.X_OK):
        sys.exit(f"compare_frameworks: libtorch: no {os.path.join(a.build, 'bench', 'bm_train_libtorch')} "
                 "(configure with CNNBENCH_WITH_LIBTORCH and build bm_train_libtorch)")
    missing = [f for f in frameworks if f != "libtorch" and not os.path.exists(os.path.join(a.venvs, f, "bin", "python"))]
    if missing:
        sys.exit(f"compare_frameworks: no environment for {', '.join(missing)} in {a.venvs} "
                 f"(scripts/frameworks.sh {' '.join(missing)})")
    work = tempfile.mkdtemp(prefix="cnnbench-compare-frameworks-")
    rows, raw, versions = [], [], {}
    for cfg in configs:
        model, batch, threads = cfg.split(":")
        batch, threads = int(batch), int(threads)
        modules = {}
        spec_path = os.path.join(a.spec_dir, model + ".json")
        with open(spec_path) as f:
            classes = max(2, json.load(f)["output"][0])  # a one-logit binary model: labels 0 and 1
        runtimes = [fw for fw in frameworks if fw != "libtorch" or model in LIBTORCH_MODELS]
        for fw in runtimes:
            if fw == "libtorch":
                continue
            modules[fw] = os.path.join(work, f"{fw.replace('-', '_')}_{model}_{threads}.py")
            generate(fw, spec_path, dict(TRAIN, batch_size=batch, threads=threads), modules[fw])
        eig, fws = [], {fw: [] for fw in runtimes}
        for r in range(a.rounds):
            eig.append(eigen_once(a.build, model, batch, threads, a.min_time))
            line = f"  {cfg} round {r + 1}: eigen_cpu {eig[-1]['images_per_s']:.0f}"
            for fw in runtimes:
                if fw == "libtorch":
                    fws[fw].append(libtorch_once(a.build, model, batch, threads, a.min_time))
                else:
                    fws[fw].append(framework_once(os.path.join(a.venvs, fw, "bin", "python"), modules[fw], batch,
                                                  threads, a.min_time, classes))
                versions[fw] = fws[fw][-1]["version"]
                line += f", {fw} {fws[fw][-1]['images_per_s']:.0f}"
            print(line + " img/s", file=sys.stderr, flush=True)
        row = {"model": model, "batch": batch, "threads": threads,
               "eigen_cpu": statistics.median(x["images_per_s"] for x in eig),
               "eigen_cpu_rss_mib": max(x["peak_rss_mib"] for x in eig), "frameworks": {}}
        for fw in runtimes:
            rss = [x["peak_rss_mib"] for x in fws[fw] if x["peak_rss_mib"] is not None]
            row["frameworks"][fw] = {
                "images_per_s": statistics.median(x["images_per_s"] for x in fws[fw]),
                "ratios": [f["images_per_s"] / e["images_per_s"] for f, e in zip(fws[fw], eig)],
                "peak_rss_mib": max(rss) if rss else None}
            row["frameworks"][fw]["ratio"] = row["frameworks"][fw]["images_per_s"] / row["eigen_cpu"]
        rows.append(row)
        raw.append({"config": cfg, "eigen_cpu": eig, **fws})
        print(f"  {cfg} medians: eigen_cpu {row['eigen_cpu']:.0f}, " + ", ".join(
            f"{fw} {row['frameworks'][fw]['images_per_s']:.0f} ({row['frameworks'][fw]['ratio']:.2f}x)" for fw in runtimes)
            + " img/s", file=sys.stderr, flush=True)
        if a.json:  # after every configuration, so that a long run interrupted keeps what it measured
            with open(a.json, "w") as f:
                json.dump({"rows": rows, "raw": raw, "versions": versions}, f, indent=1)

    head = "| model | batch | threads | eigen_cpu img/s | " + " | ".join(
        f"{fw} img/s (x eigen_cpu, per round)" for fw in frameworks) + " | peak RSS: eigen_cpu, " + ", ".join(frameworks) + " |"
    lines = [head, "|" + "---|" * (5 + len(frameworks))]
    for r in rows:
        cells = [f"{r['model'].upper()}", str(r["batch"]), str(r["threads"]), f"{r['eigen_cpu']:,.0f}"]
        for fw in frameworks:
            f = r["frameworks"].get(fw)
            cells.append("-" if f is None else f"{f['images_per_s']:,.0f} (**{f['ratio']:.2f}x**; "
                         + ", ".join(f"{x:.2f}" for x in f["ratios"]) + ")")
        rss = [r["frameworks"].get(fw, {}).get("peak_rss_mib") for fw in frameworks]
        cells.append(", ".join([f"{r['eigen_cpu_rss_mib']:.0f}"] + ["-" if x is None else f"{x:.0f}" for x in rss]) + " MiB")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    simd = raw[0]["eigen_cpu"][0].get("simd") if raw else None
    lines.append(f"eigen_cpu: {a.build}" + (f" (Eigen's instruction sets: {simd})" if simd else "") + "; "
                 f"{'; '.join(f'{fw}: {v}' for fw, v in versions.items())}; medians of {a.rounds} alternating rounds; "
                 f"SGD-momentum train steps on synthetic data; {time.strftime('%Y-%m-%d %H:%M')}")
    table = "\n".join(lines)
    print()
    print(table)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
