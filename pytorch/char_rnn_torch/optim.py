"""Parameter updates as src/core/model/optimizer.ts makes them, on the flat parameter array: the
gradient clipped by its global norm (default 5) or element-wise, then Adam (beta1 0.9, beta2 0.999,
eps 1e-8, bias-corrected: p -= lr * m * c1 / (sqrt(v * c2) + eps)) or the seed's Adagrad
(mem += g^2, p -= lr * g / sqrt(mem + 1e-8)). The update is computed in float64 and the state kept in
float32, as in TypeScript. A gradient that is not finite changes nothing (training diverged).
"""
from __future__ import annotations

import math
from typing import Dict

import torch

BETA1, BETA2, ADAM_EPS, ADAGRAD_EPS = 0.9, 0.999, 1e-8, 1e-8
STATE_NAMES = {"adam": ("m", "v"), "adagrad": ("mem",)}
DEFAULT_LEARNING_RATE = {"adam": 5e-3, "adagrad": 0.1}


class Optimizer:
    def __init__(self, name: str, learning_rate: float, clip_mode: str, clip: float, parameter_count: int, device: torch.device):
        if name not in STATE_NAMES:
            raise ValueError(f"optimizer must be 'adam' or 'adagrad', got '{name}'")
        if clip_mode not in ("norm", "value"):
            raise ValueError(f"clip mode must be 'norm' or 'value', got '{clip_mode}'")
        if not (0 < learning_rate <= 10):
            raise ValueError(f"learning rate must be in (0, 10], got {learning_rate}")
        if not (clip > 0 and math.isfinite(clip)):
            raise ValueError(f"clip must be a positive number, got {clip}")
        self.name, self.learning_rate, self.clip_mode, self.clip = name, learning_rate, clip_mode, clip
        self.step = 0
        self.state: Dict[str, torch.Tensor] = {k: torch.zeros(parameter_count, device=device) for k in STATE_NAMES[name]}

    def restore(self, step: int, state: Dict[str, torch.Tensor]) -> None:
        for k in STATE_NAMES[self.name]:
            if k not in state:
                raise ValueError(f"optimizer state '{k}' is missing")
            if state[k].numel() != self.state[k].numel():
                raise ValueError(f"optimizer state '{k}' has {state[k].numel()} elements, the model has {self.state[k].numel()} parameters")
            self.state[k].copy_(state[k].reshape(-1))
        self.step = step

    @torch.no_grad()
    def update(self, params: torch.Tensor, grad: torch.Tensor, lr_scale: float = 1.0) -> float:
        """Clips `grad` and updates `params` (both (P), float32) in place; returns the norm before clipping."""
        g = grad.double()
        norm = float(torch.sqrt((g * g).sum()))
        if not math.isfinite(norm):
            return norm
        if self.clip_mode == "norm":
            if norm > self.clip:
                g = (g * (self.clip / norm)).float().double()
        else:
            g = g.clamp(-self.clip, self.clip).float().double()
        self.step += 1
        lr = self.learning_rate * lr_scale
        p = params.double()
        if self.name == "adam":
            m = BETA1 * self.state["m"].double() + (1 - BETA1) * g
            v = BETA2 * self.state["v"].double() + (1 - BETA2) * g * g
            self.state["m"].copy_(m)
            self.state["v"].copy_(v)
            c1 = 1 / (1 - BETA1 ** self.step)
            c2 = 1 / (1 - BETA2 ** self.step)
            p -= lr * m * c1 / (torch.sqrt(v * c2) + ADAM_EPS)
        else:
            mem = self.state["mem"].double() + g * g
            self.state["mem"].copy_(mem)
            p -= lr * g / torch.sqrt(mem + ADAGRAD_EPS)
        params.copy_(p)
        return norm
