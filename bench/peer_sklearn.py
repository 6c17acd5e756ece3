"""The scikit-learn peer: the same model family as Triage, built from stock parts.

A union of TF-IDF word 1-2-grams and character 2-5-grams inside word boundaries
(`char_wb`), both with sublinear term frequency and the same minimum document
frequency as Triage (2), feeding an L2 logistic regression fitted by L-BFGS
(multinomial for more than two labels), then temperature scaling on the
calibration split.
"""

import pickle

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from metrics import fit_temperature, softmax

# Triage's defaults: C = 30 (scikit-learn's meaning), at most 300 L-BFGS iterations.
INVERSE_REGULARISATION = 30.0
MAX_ITERATIONS = 300


def make_vectorizer():
    """Word (1, 2)-grams and char_wb (2, 5)-grams, each TF-IDF with sublinear tf."""
    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                 sublinear_tf=True, min_df=2)),
    ])


def logits(bundle, texts):
    """One score per label and text, in the order of `model.classes_`."""
    features = bundle["vectorizer"].transform(texts)
    scores = bundle["model"].decision_function(features)
    if scores.ndim == 1:
        # Two labels: scikit-learn fits one score, for classes_[1]; the softmax of
        # (0, s) is the sigmoid of s, so this keeps one code path for both cases.
        scores = np.column_stack([np.zeros_like(scores), scores])
    return scores


def train(texts, labels, cal_texts, cal_labels, balanced):
    """Fits vectorizer, regression and temperature; returns a picklable bundle."""
    vectorizer = make_vectorizer()
    features = vectorizer.fit_transform(texts)
    model = LogisticRegression(
        C=INVERSE_REGULARISATION, max_iter=MAX_ITERATIONS, tol=1e-4,
        class_weight="balanced" if balanced else None)
    model.fit(features, labels)

    bundle = {"vectorizer": vectorizer, "model": model, "temperature": 1.0}
    index = {label: i for i, label in enumerate(model.classes_)}
    targets = np.array([index[label] for label in cal_labels])
    bundle["temperature"] = fit_temperature(logits(bundle, cal_texts), targets)
    return bundle


def decide(bundle, texts, temperature=None):
    """Top label and its probability for each text, calibrated unless a
    temperature is given (pass 1.0 for the raw model)."""
    if temperature is None:
        temperature = bundle["temperature"]
    probabilities = softmax(logits(bundle, texts), temperature)
    top = probabilities.argmax(axis=1)
    return bundle["model"].classes_[top], probabilities[np.arange(len(top)), top]


def iterations(bundle):
    """L-BFGS iterations the fit took."""
    return int(np.max(bundle["model"].n_iter_))


def save(bundle, path):
    with open(path, "wb") as handle:
        pickle.dump(bundle, handle, protocol=pickle.HIGHEST_PROTOCOL)


def load(path):
    with open(path, "rb") as handle:
        return pickle.load(handle)
