"""A deterministic TensorFlow environment, the same for notebooks, tests and the trainer.

The ``Makefile`` exports :data:`SETTINGS` before any kernel starts; :func:`configure`
applies them inside Python too (they only take effect before TensorFlow is imported).
"""

import os
import sys

SETTINGS = {
    "PYTHONHASHSEED": "0",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "TF_DETERMINISTIC_OPS": "1",
    "TF_NUM_INTRAOP_THREADS": "2",
    "TF_NUM_INTEROP_THREADS": "1",
    "KERAS_BACKEND": "tensorflow",
    "CUDA_VISIBLE_DEVICES": "",
}

SEED = 42


def set_environment(gpu=False):
    """Export :data:`SETTINGS` (effective only before TensorFlow is imported).

    With ``gpu=True`` the GPUs stay visible (the trainer's ``--strategy mirrored``).
    """
    for key, value in SETTINGS.items():
        if key == "CUDA_VISIBLE_DEVICES" and gpu:
            continue
        if "tensorflow" not in sys.modules:
            os.environ[key] = value
        else:
            os.environ.setdefault(key, value)


def configure(seed=SEED, gpu=False):
    """Pin threads, oneDNN, logging and seeds; enable op determinism. Returns ``seed``."""
    set_environment(gpu)
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return seed
