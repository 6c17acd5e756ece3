"""Measures Triage side by side with scikit-learn and fastText on CLINC150 and SMS
spam, prints one Markdown table to standard output and writes it, with the raw
measurements, to the results folder. Progress goes to standard error.

Run through bench/run, which sets up the virtual environment and the binary.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import splits
from systems import Data, FastText, Sklearn, Triage

THROUGHPUT_REPEATS = 3
LATENCY_REPEATS = 10

STARTED = time.perf_counter()


def progress(message):
    elapsed = time.perf_counter() - STARTED
    print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


def load_average():
    return os.getloadavg()[0]


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triage", required=True, help="the triage binary")
    parser.add_argument("--repo", required=True, type=Path, help="repository root")
    parser.add_argument("--results", required=True, type=Path, help="results folder")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="threads for every system (default: all cores)")
    parser.add_argument("--binary-source", default="built from this work tree",
                        help="how the triage binary was obtained, for the report")
    return parser.parse_args()


# -- Data ---------------------------------------------------------------------------


def prepare_data(repo, work):
    """Writes both data sets' splits and says how often each trains."""
    progress("preparing splits in " + str(work))
    clinc = Data("CLINC150", work / "clinc150", balanced=False)
    splits.prepare_clinc150(repo / "data" / "clinc150", clinc.folder)
    sms = Data("SMS spam", work / "sms_spam", balanced=True)
    splits.prepare_sms_spam(repo / "data" / "sms_spam" / "sms_spam.tsv", sms.folder)
    # Training on CLINC150 takes tens of seconds per system, so it runs once;
    # SMS spam trains in seconds, so it runs three times and the median counts.
    return [(clinc, 1), (sms, 3)]


# -- Measuring ----------------------------------------------------------------------


def measure(data, train_repeats, triage_binary, threads):
    """All figures of the three systems on one data set."""
    systems = [Triage(triage_binary, data), Sklearn(data), FastText(data, threads)]
    test_texts, test_labels = splits.read_csv(data.test)
    query = test_texts[0]  # the one-input latency classifies the first test input
    results = {system.name: {} for system in systems}

    # Training, then the accuracy and calibration figures on the test split.
    for system in systems:
        progress(f"{data.name}: training {system.name} "
                 f"({train_repeats} time{'s' if train_repeats > 1 else ''})")
        seconds = system.train(train_repeats)
        figures = system.test()
        figures["train_seconds"] = statistics.median(seconds)
        figures["train_runs"] = seconds
        figures["model_bytes"] = system.model_bytes()
        results[system.name].update(figures)
        progress(f"{data.name}: {system.name} accuracy {figures['accuracy']:.4f}, "
                 f"ECE {figures['ece']:.4f}, "
                 f"trained in {figures['train_seconds']:.1f} s")

    # Timings take turns between systems, so a burst of load from elsewhere on the
    # machine spreads over all of them rather than hitting one.
    progress(f"{data.name}: batch throughput, {THROUGHPUT_REPEATS} rounds")
    batch = {system.name: [] for system in systems}
    for _ in range(THROUGHPUT_REPEATS):
        for system in systems:
            batch[system.name].append(system.throughput())
    progress(f"{data.name}: one-input latency, {LATENCY_REPEATS} rounds")
    single = {system.name: [] for system in systems}
    for _ in range(LATENCY_REPEATS):
        for system in systems:
            single[system.name].append(system.latency(query))

    for system in systems:
        figures = results[system.name]
        figures["throughput"] = len(test_labels) / statistics.median(batch[system.name])
        figures["batch_runs"] = batch[system.name]
        figures["latency_seconds"] = statistics.median(single[system.name])
        figures["latency_runs"] = single[system.name]
    results["test_size"] = len(test_labels)
    return results


# -- Reporting ----------------------------------------------------------------------


def machine_description():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cores} cores (nproc), {model}, {platform.system()} {platform.release()}"


def triage_version(repo, binary):
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    changed = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain", "--", ".", ":(exclude)bench"],
        capture_output=True, text=True).stdout.strip()
    version = subprocess.run([binary, "--version"], capture_output=True,
                             text=True).stdout.strip()
    return commit + (" with uncommitted changes" if changed else "") + f" ({version})"


def format_ratio(triage, peer):
    """Triage's figure over the peer's, with two significant digits when small."""
    if not peer:
        return "—"
    ratio = triage / peer
    if ratio >= 100:
        return f"{ratio:.0f}×"
    if ratio >= 10:
        return f"{ratio:.1f}×"
    if ratio >= 0.1:
        return f"{ratio:.2f}×"
    return f"{ratio:.2g}×"


# One row per figure: label, key, whether higher is better, formatting.
ROWS = [
    ("accuracy", "accuracy", True, lambda v: f"{v:.4f}"),
    ("ECE, calibrated", "ece", False, lambda v: f"{v:.4f}"),
    ("ECE, raw (before temperature scaling)", "ece_raw", False, lambda v: f"{v:.4f}"),
    ("coverage at 0.99 accuracy", "coverage", True, lambda v: f"{100 * v:.1f}%"),
    ("training time, s", "train_seconds", False, lambda v: f"{v:.2f}"),
    ("batch throughput, inputs/s", "throughput", True, lambda v: f"{v:,.0f}"),
    ("one-input latency, ms", "latency_seconds", False, lambda v: f"{1000 * v:.0f}"),
    ("model on disk, MB", "model_bytes", False, lambda v: f"{v / 1e6:.1f}"),
]


def repeats_note(key, train_repeats):
    """How often a timed figure was measured, for its row label."""
    if key == "train_seconds":
        return " (once)" if train_repeats == 1 else f" (median of {train_repeats})"
    if key == "throughput":
        return f" (median of {THROUGHPUT_REPEATS})"
    if key == "latency_seconds":
        return f" (median of {LATENCY_REPEATS})"
    return ""


def table(measured, names):
    peers = names[1:]
    lines = ["| data set | figure | " + " | ".join(names) + " | "
             + " | ".join(f"Triage ÷ {peer}" for peer in peers) + " |",
             "| --- | --- | " + " | ".join("---:" for _ in names + peers) + " |"]
    for data, train_repeats, results in measured:
        for row, (label, key, higher_is_better, show) in enumerate(ROWS):
            label += repeats_note(key, train_repeats)
            label += " ↑" if higher_is_better else " ↓"
            values = [show(results[name][key]) for name in names]
            ratios = [format_ratio(results[names[0]][key], results[peer][key])
                      for peer in peers]
            # Name the data set on its first row only.
            title = f"{data.name} ({results['test_size']:,} test)" if row == 0 else ""
            lines.append(f"| {title} | {label} | " + " | ".join(values + ratios) + " |")
    return "\n".join(lines)


def report(measured, context):
    names = ["Triage", "scikit-learn", "fastText"]
    versions = (f"Python {platform.python_version()}, "
                f"scikit-learn {metadata.version('scikit-learn')}, "
                f"fastText (fasttext-wheel) {metadata.version('fasttext-wheel')}, "
                f"NumPy {metadata.version('numpy')}")
    return "\n".join([
        "# Triage, scikit-learn and fastText side by side",
        "",
        f"- Machine: {context['machine']}; 1-minute load average "
        f"{context['load_start']:.1f} at the start, "
        f"{context['load_end']:.1f} at the end.",
        f"- Threads: {context['threads']} for every system (TRIAGE_THREADS, "
        "OMP_NUM_THREADS and OPENBLAS_NUM_THREADS, fastText's thread).",
        f"- Triage {context['triage']}, {context['binary_source']}; {versions}.",
        f"- Run {context['date']}; "
        f"the measurements took {context['minutes']:.1f} min.",
        "",
        table(measured, names),
        "",
        "↑ higher is better, ↓ lower is better. A ratio is Triage's figure divided by "
        "the peer's: for throughput above 1× means Triage is faster, for times and "
        "ECE below 1× means Triage is faster or better calibrated. Definitions are "
        "in bench/README.md.",
        "",
    ])


def main():
    arguments = parse_arguments()
    work = arguments.results / "work"
    load_start = load_average()

    measured = []
    for data, train_repeats in prepare_data(arguments.repo, work):
        results = measure(data, train_repeats, arguments.triage, arguments.threads)
        measured.append((data, train_repeats, results))

    context = {
        "machine": machine_description(),
        "threads": arguments.threads,
        "triage": triage_version(arguments.repo, arguments.triage),
        "binary_source": arguments.binary_source,
        "date": datetime.datetime.now(datetime.timezone.utc)
                .strftime("%Y-%m-%d %H:%M UTC"),
        "minutes": (time.perf_counter() - STARTED) / 60,
        "load_start": load_start,
        "load_end": load_average(),
    }
    text = report(measured, context)
    arguments.results.mkdir(parents=True, exist_ok=True)
    (arguments.results / "latest.md").write_text(text, encoding="utf-8")
    raw = {data.name: results for data, _, results in measured}
    (arguments.results / "latest.json").write_text(
        json.dumps({"context": context, "results": raw}, indent=2), encoding="utf-8")
    progress(f"wrote {arguments.results / 'latest.md'} and latest.json")
    print(text, end="")


if __name__ == "__main__":
    main()
