"""For learners: the layout of ``weights/manifest.json``, the file that names every pre-trained model.

The manifest is ``{"models": {NAME: entry}, "experiments": {NAME: record}}``, written as indented,
key-sorted JSON. The trainer (``rnncourse.tools.train``) fills each model's entry with
:func:`new_entry`; the store (``rnncourse.tools.store``), the only code that writes the weights
folder, adds the :class:`StoredFiles` keys when it commits the files; :mod:`rnncourse.weights`
reads the entries (``weights.entry``, ``weights.recipe_entries``) and the experiments' records
(``weights.experiment``).
"""

from typing import TypedDict

MANIFEST_FILE = "manifest.json"
"""The manifest's file name, in the weights folder."""


class StoredFiles(TypedDict):
    """Where a model's files are: added by the store when it commits them, never by the trainer."""

    file: str  # "NAME.<sha12>/NAME.weights.h5", relative to the weights folder
    history: str  # "NAME.<sha12>/NAME.history.json": per-epoch loss and accuracy
    sha256: str  # of the weights file; <sha12> is its first 12 hex digits
    bytes: int  # size of the weights file


class ModelEntry(StoredFiles):
    """What every model's entry holds: its files and how to rebuild the model."""

    builder: str  # the function that builds the model
    builder_kwargs: dict  # its arguments
    architecture: dict  # rnncourse.models.architecture(model)
    epochs_run: int
    quick: bool  # a --quick smoke run (tiny data, one epoch), never a shipped model
    versions: dict  # python, tensorflow, keras, numpy, scikit-learn


class _SeedResults(TypedDict, total=False):
    """What a recipe's entry holds only when it was recorded: ``protocol`` and ``val_accuracy``
    since the trainer records them, the rest only for a recipe trained with several seeds."""

    protocol: dict  # how validation, epochs, seed and test were chosen and used
    val_accuracy: float  # of the shipped seed, at its best epoch
    seeds: list  # one row per seed: seed, val_accuracy, best_epoch, test_accuracy, ...
    test_accuracy_mean: float
    test_accuracy_sd: float
    ensemble: dict  # the mean of the seeds' probabilities: seeds, rule, val_accuracy, test_accuracy
    probabilities: dict  # the shipped seed's per-review P(positive), packed: what, validation, test


class RecipeEntry(ModelEntry, _SeedResults):
    """A model of :data:`rnncourse.models.RECIPES`, trained on IMDB reviews."""

    lesson: str
    data: dict  # source, npz_sha256, the recipe's data arguments, n_train_used, n_test, ...
    epochs: int  # at most
    best_epoch: int  # 1-based, the epoch whose weights are shipped
    batch_size: int
    seed: int  # the shipped seed
    strategy: dict | None  # {"name": ..., "replicas": ...} of a tf.distribute strategy
    train_seconds: float  # over every seed
    seconds_per_epoch: float
    test_loss: float
    test_accuracy: float


class ExperimentModelEntry(ModelEntry):
    """A model an experiment trained and saved (``memory_<variant>`` of ``long_memory``)."""

    experiment: str  # the name of its record in the "experiments" table


class ExperimentRecord(TypedDict):
    """What every experiment's record holds; the rest is the experiment's own: ``config``, ``runs``
    (``runs[variant][str(setting)][str(seed)]``) and ``mean`` for ``long_memory`` and
    ``glove_curve``, ``tfidf``, ``nbsvm`` and ``seed`` for ``baseline``."""

    quick: bool
    seconds: float
    versions: dict


def new_entry(schema, **fields):
    """The entry of ``schema`` (:class:`RecipeEntry` or :class:`ExperimentModelEntry`) holding
    ``fields``: every key of the schema but the :class:`StoredFiles` ones, which the store adds.

    Raises :class:`TypeError` naming the keys that are missing or that the schema does not have."""
    stored = StoredFiles.__required_keys__
    known = schema.__required_keys__ | schema.__optional_keys__
    missing = sorted(schema.__required_keys__ - stored - fields.keys())
    unknown = sorted((fields.keys() - known) | (fields.keys() & stored))
    problems = [f"missing {', '.join(missing)}"] if missing else []
    if unknown:
        problems.append(f"not keys the trainer fills: {', '.join(unknown)}")
    if problems:
        raise TypeError(f"{schema.__name__}: {'; '.join(problems)}")
    return schema(**fields)
