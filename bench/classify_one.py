"""Loads a saved peer model, classifies the one input on standard input and prints
its label and confidence as JSON: what a one-off `triage classify` does.

Usage: classify_one.py sklearn|fasttext MODEL_PATH < input

compare.py times this whole process, interpreter start and imports included.
"""

import json
import sys


def main():
    system, path = sys.argv[1], sys.argv[2]
    text = sys.stdin.readline().rstrip("\n")

    # Import only the peer asked for, so neither pays for the other's library.
    if system == "sklearn":
        import peer_sklearn as peer
    elif system == "fasttext":
        import peer_fasttext as peer
    else:
        sys.exit(f"classify_one.py: unknown system {system!r}")

    labels, confidences = peer.decide(peer.load(path), [text])
    print(json.dumps({"label": str(labels[0]), "confidence": float(confidences[0])}))


if __name__ == "__main__":
    main()
