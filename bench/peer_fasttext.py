"""The fastText peer: supervised fastText with word bigrams and character n-grams.

fastText reads one example per line, splits on whitespace and keeps case, so texts
are lower-cased and their whitespace runs collapsed to one space, the nearest match
to the lower-casing that Triage and scikit-learn do. Probabilities come from
`predict(texts, k=-1)`, renormalised to sum to 1 (fastText adds 1e-5 to each), and
are then temperature-scaled on the calibration split like the other systems', with
log-probabilities as logits.
"""

import json
from pathlib import Path

import fasttext
import numpy as np

from metrics import fit_temperature, softmax

PREFIX = "__label__"

# Settings picked on CLINC150's validation split only: 50 epochs beat 25 by about
# three points and 100 did no better; character n-grams add about two points.
# dim and bucket are fastText's defaults (100 and 2,000,000).
SETTINGS = {
    "loss": "softmax",
    "wordNgrams": 2,
    "minn": 2,
    "maxn": 5,
    "epoch": 50,
    "lr": 0.5,
    "dim": 100,
    "bucket": 2_000_000,
    "seed": 0,
}

# fastText warns on stderr at every load_model that its return type changed years
# ago; the warning says nothing about this use, so silence it.
fasttext.FastText.eprint = lambda *args, **kwargs: None


def clean(text):
    """Lower-cases and collapses whitespace (fastText refuses line breaks)."""
    return " ".join(text.lower().split())


def write_training_file(path, texts, labels):
    """One `__label__LABEL text` line per example, as fastText expects."""
    with open(path, "w", encoding="utf-8") as handle:
        for text, label in zip(texts, labels):
            handle.write(f"{PREFIX}{label} {clean(text)}\n")


def label_log_probabilities(bundle, texts):
    """Log-probabilities, one column per label in the order of `bundle["labels"]`."""
    model, column = bundle["model"], bundle["column"]
    labels, probabilities = model.predict([clean(text) for text in texts], k=-1)
    matrix = np.zeros((len(texts), len(column)))
    for row, (names, values) in enumerate(zip(labels, probabilities)):
        matrix[row, [column[name] for name in names]] = values
    matrix /= matrix.sum(axis=1, keepdims=True)
    return np.log(np.maximum(matrix, 1e-12))


def _bundle(model, temperature=1.0):
    labels = [name[len(PREFIX):] for name in model.labels]
    column = {name: i for i, name in enumerate(model.labels)}
    return {"model": model, "labels": np.array(labels), "column": column,
            "temperature": temperature}


def train(training_file, cal_texts, cal_labels, threads):
    """Trains on a file from `write_training_file`, then fits the temperature."""
    model = fasttext.train_supervised(
        input=str(training_file), thread=threads, verbose=0, **SETTINGS)
    bundle = _bundle(model)
    index = {label: i for i, label in enumerate(bundle["labels"])}
    targets = np.array([index[label] for label in cal_labels])
    bundle["temperature"] = fit_temperature(
        label_log_probabilities(bundle, cal_texts), targets)
    return bundle


def decide(bundle, texts, temperature=None):
    """Top label and its probability for each text, calibrated unless a
    temperature is given (pass 1.0 for fastText's own probabilities)."""
    if temperature is None:
        temperature = bundle["temperature"]
    probabilities = softmax(label_log_probabilities(bundle, texts), temperature)
    top = probabilities.argmax(axis=1)
    return bundle["labels"][top], probabilities[np.arange(len(top)), top]


def save(bundle, path):
    """Writes the model to `path` and its temperature beside it."""
    bundle["model"].save_model(str(path))
    Path(f"{path}.json").write_text(json.dumps({"temperature": bundle["temperature"]}))


def load(path):
    temperature = json.loads(Path(f"{path}.json").read_text())["temperature"]
    return _bundle(fasttext.load_model(str(path)), temperature)
