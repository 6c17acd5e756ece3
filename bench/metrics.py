"""Figures computed the same way for every system: softmax with a temperature,
temperature fitting, expected calibration error and coverage at a target accuracy.

Only NumPy is imported here, so the one-input latency script can use this module
without paying for scikit-learn's import.
"""

import math

import numpy as np


def softmax(logits, temperature=1.0):
    """Row-wise softmax of `logits / temperature`, shifted for stability."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    exps = np.exp(scaled)
    return exps / exps.sum(axis=1, keepdims=True)


def negative_log_likelihood(logits, targets, temperature):
    """Mean negative log-likelihood of `targets` under softmax(logits / T)."""
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(scaled).sum(axis=1))
    return float(np.mean(log_norm - scaled[np.arange(len(targets)), targets]))


def fit_temperature(logits, targets, lowest=0.05, highest=20.0, steps=80):
    """The temperature T in [lowest, highest] minimising the calibration NLL.

    The NLL is convex in 1/T (a log-sum-exp of terms linear in 1/T, minus a linear
    term), so it has a single minimum along any monotone reparametrisation; a
    golden-section search over log T finds it without SciPy. 80 steps shrink the
    bracket by 0.618^80, far below any difference that shows in the figures.
    """
    targets = np.asarray(targets)
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    low, high = math.log(lowest), math.log(highest)

    def loss(log_t):
        return negative_log_likelihood(logits, targets, math.exp(log_t))

    left = high - ratio * (high - low)
    right = low + ratio * (high - low)
    loss_left, loss_right = loss(left), loss(right)
    for _ in range(steps):
        if loss_left < loss_right:
            high, right, loss_right = right, left, loss_left
            left = high - ratio * (high - low)
            loss_left = loss(left)
        else:
            low, left, loss_left = left, right, loss_right
            right = low + ratio * (high - low)
            loss_right = loss(right)
    return math.exp((low + high) / 2.0)


def expected_calibration_error(confidence, correct, bins=15):
    """ECE with `bins` equal-width bins of top-label confidence.

    The mean over examples of |accuracy - mean confidence| in each one's bin; a
    confidence of exactly 1 falls into the last bin (as in Triage's own evaluate).
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=np.float64)
    index = np.clip((confidence * bins).astype(int), 0, bins - 1)
    confidence_sum = np.bincount(index, weights=confidence, minlength=bins)
    correct_sum = np.bincount(index, weights=correct, minlength=bins)
    return float(np.abs(correct_sum - confidence_sum).sum() / len(confidence))


def coverage_at_accuracy(confidence, correct, target=0.99):
    """The largest share of inputs, most confident first, with accuracy >= target.

    Inputs are sorted by decreasing confidence and the accuracy of every prefix is
    computed. A prefix may only end where the confidence changes: a threshold
    cannot accept some inputs of a given confidence and defer the others. Returns 0
    when not even the most confident group reaches the target.
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    correct = np.asarray(correct, dtype=bool)
    order = np.argsort(-confidence, kind="stable")
    sorted_confidence = confidence[order]
    hits = np.cumsum(correct[order])
    taken = np.arange(1, len(order) + 1)

    # A prefix can end after position i only if the next input is less confident.
    ends_group = np.append(sorted_confidence[1:] != sorted_confidence[:-1], True)
    # Compare counts rather than ratios so that 99/100 counts as 0.99 exactly.
    accurate = hits >= target * taken - 1e-9
    eligible = taken[ends_group & accurate]
    return float(eligible.max() / len(order)) if eligible.size else 0.0


def summarise(confidence, predicted, truth):
    """Accuracy, ECE and coverage at 0.99 from one system's test decisions."""
    correct = np.asarray(predicted) == np.asarray(truth)
    return {
        "accuracy": float(correct.mean()),
        "ece": expected_calibration_error(confidence, correct),
        "coverage": coverage_at_accuracy(confidence, correct),
    }
