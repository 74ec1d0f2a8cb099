"""The plateau schedule (src/core/train/schedule.ts): each validation may be a new best (kept aside),
end a plateau of `patience` validations without a 0.1% improvement by halving both learning rates
(after 3 halvings in a row the next plateau stops the run as converged), or stop a diverged run."""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Tuple

LR_DECAY = 0.5
MAX_REDUCTIONS = 3
MIN_RELATIVE_IMPROVEMENT = 1e-3
DIVERGED_BITS = 1.0
MEMORISING_LOSS_NATS = 0.5
UNIFORM_SLACK = 0.25
DIVERGED_LOSS_NATS = 1.0


def initial_schedule() -> Dict[str, Any]:
    return {"sinceImprovement": 0, "reductions": 0, "lrScale": 1}


def judge_validation(s: Dict[str, Any], bpc: float, step: int, chars_seen: float, smooth_loss: float, vocab_size: int,
                     patience: int, val_fingerprint: Optional[str]) -> Tuple[bool, Optional[Tuple[str, str]]]:
    """Updates the schedule `s` (the checkpoint's 'schedule' object); returns (new best, (reason, message) or None)."""
    best_point = s.get("best")
    best = best_point["valBitsPerChar"] if best_point else None
    uniform = math.log2(vocab_size)
    holding = best_point is not None and best_point.get("loss") is not None and smooth_loss <= best_point["loss"] + MEMORISING_LOSS_NATS
    if not math.isfinite(bpc) or (not holding and (bpc > uniform + UNIFORM_SLACK or (best is not None and bpc > best + DIVERGED_BITS))):
        if not math.isfinite(bpc):
            worse = "is not finite"
        elif best is not None and bpc > best + DIVERGED_BITS:
            worse = f"is more than {DIVERGED_BITS:g} bit/char above the best, {best:.3f} at step {best_point['step']}"
        else:
            worse = f"is worse than uniform guessing ({uniform:.2f} bits/char)"
        return False, ("diverged", f"training diverged at step {step}: validation {bpc:.3f} bits/char {worse}; lower the learning rate")
    if best is None or bpc < best * (1 - MIN_RELATIVE_IMPROVEMENT):
        s["sinceImprovement"] = 0
        s["reductions"] = 0
    else:
        s["sinceImprovement"] += 1
    new_best = best is None or bpc < best
    if new_best:
        s["best"] = {"valBitsPerChar": bpc, "step": step, "charsSeen": chars_seen, "loss": smooth_loss}
        s["valFingerprint"] = val_fingerprint
    if patience > 0 and s["sinceImprovement"] >= patience:
        if s["reductions"] >= MAX_REDUCTIONS:
            b = s["best"]
            return new_best, ("converged", f"validation has not improved on {b['valBitsPerChar']:.3f} bits/char (step {b['step']}) in {patience} validations after {MAX_REDUCTIONS} halvings of the learning rate")
        s["sinceImprovement"] = 0
        s["reductions"] += 1
        s["lrScale"] *= LR_DECAY
    return new_best, None
