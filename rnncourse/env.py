"""For learners (and the trainer): a deterministic TensorFlow environment, the same for notebooks, tests and the trainer.

The ``Makefile`` exports the same variables before any kernel starts (written out there, checked
against :data:`SETTINGS` by ``tests/course/test_environment.py``); :func:`configure` applies them
inside Python too (they only take effect before TensorFlow is imported).
"""

import os
import sys
from contextlib import contextmanager

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
    """Export :data:`SETTINGS` where the environment does not already set them (effective only
    before TensorFlow is imported).

    A variable that is already set wins: ``make test-portable`` runs the notebooks with oneDNN on
    and with one thread this way. With ``gpu=True`` the GPUs stay visible (the trainer's
    ``--strategy mirrored``).
    """
    for key, value in SETTINGS.items():
        if key == "CUDA_VISIBLE_DEVICES" and gpu:
            continue
        os.environ.setdefault(key, value)


@contextmanager
def _native_stderr_silenced():
    """Send file descriptor 2 to /dev/null: TensorFlow's C++ start-up lines ("All log messages
    before absl::InitializeLog() ...") ignore the log level and would land in notebook outputs."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def configure(seed=SEED, gpu=False):
    """Pin threads, oneDNN, logging and seeds; enable op determinism; import TensorFlow quietly."""
    set_environment(gpu)
    with _native_stderr_silenced():
        import tensorflow as tf

        tf.config.list_logical_devices()
    import keras

    tf.get_logger().setLevel("ERROR")
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
