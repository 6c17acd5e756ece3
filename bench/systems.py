"""The three systems under one interface, each measured the way its users run it.

Triage is measured as whole `triage` processes. The Python peers are trained and
batch-classified inside this process (what a Python user does) and timed for one
input as a fresh Python process that loads the saved model.

Every runner has:
  train(data, repeats) -> list of training wall times in seconds
  test(data)           -> accuracy, ECE (calibrated and raw) and coverage at 0.99
  throughput(data)     -> batch classification seconds for the whole test file
  latency(text)        -> seconds for one process classifying one input
  model_bytes()        -> size of the saved model on disk
"""

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import metrics
from splits import read_csv

HERE = Path(__file__).resolve().parent


def timed(command, stdin_text=None, stdout=subprocess.DEVNULL, log=None):
    """Runs `command` to completion and returns its wall time in seconds.

    Standard error goes to `log` (appended) so that failures can be read later.
    """
    stderr = open(log, "ab") if log else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        subprocess.run(command, input=stdin_text.encode() if stdin_text else None,
                       stdout=stdout, stderr=stderr, check=True)
        return time.perf_counter() - start
    except subprocess.CalledProcessError as error:
        hint = f"; its standard error is in {log}" if log else ""
        raise RuntimeError(f"{' '.join(map(str, command))} failed "
                           f"with exit status {error.returncode}{hint}") from None
    finally:
        if log:
            stderr.close()


def folder_bytes(path):
    path = Path(path)
    if path.is_file():
        return path.stat().st_size
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


class Data:
    """One data set's split files and the folder its systems work in."""

    def __init__(self, name, folder, balanced):
        self.name = name
        self.folder = Path(folder)
        self.balanced = balanced
        self.train = self.folder / "train.csv"
        self.cal = self.folder / "cal.csv"
        self.test = self.folder / "test.csv"


class Triage:
    name = "Triage"

    def __init__(self, binary, data):
        self.binary = str(binary)
        self.data = data
        self.home = data.folder / "triage"
        self.log = data.folder / "triage.log"

    def command(self, *arguments):
        return [self.binary, "--home", str(self.home), *map(str, arguments)]

    def train(self, repeats):
        options = ["--data", self.data.train, "--calibration", self.data.cal]
        if self.data.balanced:
            options += ["--class-weight", "balanced"]
        seconds = []
        for _ in range(repeats):
            # A fresh home each time, so every run publishes version 1 of the model.
            shutil.rmtree(self.home, ignore_errors=True)
            self.home.mkdir(parents=True)
            seconds.append(timed(self.command("train", *options), log=self.log))
        return seconds

    def test(self):
        decisions_path = self.data.folder / "triage-decisions.jsonl"
        with open(decisions_path, "wb") as out:
            timed(self.command("classify", "--dry-run", self.data.test),
                  stdout=out, log=self.log)
        with open(decisions_path, encoding="utf-8") as handle:
            decisions = [json.loads(line) for line in handle]
        _, truth = read_csv(self.data.test)
        if len(decisions) != len(truth):
            raise RuntimeError(f"triage classify printed {len(decisions)} decisions "
                               f"for {len(truth)} inputs in {self.data.test}")
        figures = metrics.summarise([d["confidence"] for d in decisions],
                                    [d["label"] for d in decisions], truth)

        # Triage does not print uncalibrated confidences; its evaluate command
        # reports the ECE before temperature scaling, with the same 15 bins.
        report = subprocess.run(
            self.command("evaluate", "--data", self.data.test, "--json"),
            capture_output=True, check=True, text=True)
        figures["ece_raw"] = json.loads(report.stdout)["calibration_error_before"]
        return figures

    def throughput(self):
        return timed(self.command("classify", "--dry-run", self.data.test),
                     log=self.log)

    def latency(self, text):
        return timed(self.command("classify", "--dry-run"), stdin_text=text + "\n",
                     log=self.log)

    def model_bytes(self):
        # The whole published version folder: weights, manifest, and the copies of
        # the training and calibration data that retraining needs.
        return folder_bytes(self.home / "models")


class PythonPeer:
    """Shared by the scikit-learn and fastText runners."""

    def __init__(self, data, peer, key, model_path):
        self.data = data
        self.peer = peer
        self.key = key
        self.model_path = model_path
        self.bundle = None

    def test(self):
        texts, truth = read_csv(self.data.test)
        labels, confidence = self.peer.decide(self.bundle, texts)
        figures = metrics.summarise(confidence, labels, truth)
        raw_labels, raw_confidence = self.peer.decide(self.bundle, texts,
                                                      temperature=1.0)
        figures["ece_raw"] = metrics.expected_calibration_error(
            raw_confidence, np.asarray(raw_labels) == np.asarray(truth))
        figures["temperature"] = self.bundle["temperature"]
        return figures

    def throughput(self):
        # Read the file, featurise, score, calibrate: the same output as Triage's.
        start = time.perf_counter()
        texts, _ = read_csv(self.data.test)
        self.peer.decide(self.bundle, texts)
        return time.perf_counter() - start

    def latency(self, text):
        command = [sys.executable, str(HERE / "classify_one.py"), self.key,
                   str(self.model_path)]
        return timed(command, stdin_text=text + "\n")

    def model_bytes(self):
        return folder_bytes(self.model_path)


class Sklearn(PythonPeer):
    name = "scikit-learn"

    def __init__(self, data):
        import peer_sklearn
        folder = data.folder / "sklearn"
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(data, peer_sklearn, "sklearn", folder / "model.pkl")

    def train(self, repeats):
        texts, labels = read_csv(self.data.train)
        cal_texts, cal_labels = read_csv(self.data.cal)
        seconds = []
        for _ in range(repeats):
            # Timed: vectorizer fit, regression fit, temperature fit.
            start = time.perf_counter()
            self.bundle = self.peer.train(texts, labels, cal_texts, cal_labels,
                                          self.data.balanced)
            seconds.append(time.perf_counter() - start)
        self.peer.save(self.bundle, self.model_path)
        return seconds


class FastText(PythonPeer):
    name = "fastText"

    def __init__(self, data, threads):
        import peer_fasttext
        folder = data.folder / "fasttext"
        folder.mkdir(parents=True, exist_ok=True)
        self.threads = threads
        self.training_file = folder / "train.txt"
        super().__init__(data, peer_fasttext, "fasttext", folder / "model.bin")

    def train(self, repeats):
        texts, labels = read_csv(self.data.train)
        self.peer.write_training_file(self.training_file, texts, labels)
        cal_texts, cal_labels = read_csv(self.data.cal)
        seconds = []
        for _ in range(repeats):
            # Timed: train_supervised, temperature fit.
            start = time.perf_counter()
            self.bundle = self.peer.train(self.training_file, cal_texts, cal_labels,
                                          self.threads)
            seconds.append(time.perf_counter() - start)
        self.peer.save(self.bundle, self.model_path)
        return seconds

    def model_bytes(self):
        return folder_bytes(self.model_path) + folder_bytes(f"{self.model_path}.json")
