"""Train, calibration and test files shared by every system.

Each data set gets a folder holding `train.csv`, `cal.csv` and `test.csv`, all CSV
with the header `text,label`. Every system reads these same files.
"""

import csv
import shutil
from pathlib import Path

import numpy as np


def read_csv(path):
    """Texts and labels of a `text,label` CSV file (RFC 4180 quoting)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row["text"] for row in rows], [row["label"] for row in rows]


def write_csv(path, texts, labels):
    """Writes `text,label` CSV, quoting fields that hold commas, quotes or breaks."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["text", "label"])
        writer.writerows(zip(texts, labels))


def prepare_clinc150(source, folder):
    """CLINC150's published splits, copied byte for byte.

    train.csv (15,000 in-scope queries) trains, val.csv (3,000) calibrates and
    test.csv (4,500) tests; the out-of-scope files are not used.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, target in [("train.csv", "train.csv"), ("val.csv", "cal.csv"),
                         ("test.csv", "test.csv")]:
        shutil.copyfile(Path(source) / name, folder / target)


def read_sms_tsv(path):
    """Labels and messages of the SMS Spam Collection TSV.

    Quotes in this file are plain text, so each line is split at its first tab
    rather than parsed as quoted CSV.
    """
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    if lines[0] != "Label\tSMS":
        raise ValueError(
            f"{path}: expected the header 'Label<TAB>SMS', got {lines[0]!r}")
    labels, texts = [], []
    for number, line in enumerate(lines[1:], start=2):
        if not line:
            continue
        label, tab, text = line.partition("\t")
        if not tab:
            raise ValueError(f"{path}:{number}: no tab between label and message")
        labels.append(label)
        texts.append(text)
    return texts, labels


def prepare_sms_spam(source, folder, seed=0):
    """A stratified 60/20/20 train/calibration/test split of the SMS collection.

    For each label, in sorted order, one generator `numpy.random.default_rng(seed)`
    shuffles the indices of that label's messages; the first 60% (rounded down) go
    to training, the next 20% (rounded down) to calibration and the rest to test.
    Each file keeps the messages in their original order.
    """
    texts, labels = read_sms_tsv(source)
    labels_array = np.array(labels)
    rng = np.random.default_rng(seed)
    parts = {"train": [], "cal": [], "test": []}
    for label in sorted(set(labels)):
        indices = rng.permutation(np.flatnonzero(labels_array == label))
        train_end = len(indices) * 60 // 100
        cal_end = train_end + len(indices) * 20 // 100
        parts["train"].extend(indices[:train_end])
        parts["cal"].extend(indices[train_end:cal_end])
        parts["test"].extend(indices[cal_end:])

    folder.mkdir(parents=True, exist_ok=True)
    for name, indices in parts.items():
        chosen = sorted(int(index) for index in indices)
        write_csv(folder / f"{name}.csv", [texts[i] for i in chosen],
                  [labels[i] for i in chosen])
