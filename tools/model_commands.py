"""`glasses-agent train TARGET ...` and `glasses-agent eval TARGET ...`.

Each model part keeps its own targets in its own module (perception: `train perception`,
`eval probe`; world model: `train world`, `eval surprise`). Such a module defines
`add_train_targets(subparsers)` and/or `add_eval_targets(subparsers)`, which add parsers with
`handler=` set, and is listed in `TARGET_MODULES`. Like every CLI module, these import torch
only inside their handlers.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

TARGET_MODULES = (
    "tools.perception_commands",
    "tools.world_commands",
    "tools.senses_commands",
)


def _modules() -> list[Any]:
    found = []
    for name in TARGET_MODULES:
        try:
            found.append(importlib.import_module(name))
        except ModuleNotFoundError as err:
            if err.name != name:  # a broken import inside an existing module must not hide
                raise
    return found


def register(subparsers: Any) -> None:
    train = subparsers.add_parser("train", help="train a model from recordings, media files or generated scenes")
    train_targets = train.add_subparsers(dest="train_target", metavar="TARGET", required=True)
    evaluate = subparsers.add_parser("eval", help="evaluate models and print (and write) the tables")
    eval_targets = evaluate.add_subparsers(dest="eval_target", metavar="TARGET", required=True)
    for module in _modules():
        if hasattr(module, "add_train_targets"):
            module.add_train_targets(train_targets)
        if hasattr(module, "add_eval_targets"):
            module.add_eval_targets(eval_targets)


__all__ = ["TARGET_MODULES", "register", "argparse"]
