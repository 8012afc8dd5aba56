"""Synthetic omnichannel retail data: every channel in its own export shape, with ground truth.

``generate(out_dir, customers, seed)`` writes the files described in docs/CHANNELS.md plus
``ground_truth.csv`` (who owns each record), ``ground_truth_people.csv`` (each person's buying
model: drop-out, rate, favourite categories) and ``manifest.json``; the same seed and scale
always give the same bytes.
"""

from omnicrm.synth.pipeline import generate

__all__ = ["generate"]
