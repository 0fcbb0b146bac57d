"""For learners: one builder per model the lessons use, and the training recipe of every shipped model.

The notebooks show these layers to the learner; the builders here are the single
definition the trainer uses and that the tests hold the notebooks' models against
(:func:`architecture` compares them, ignoring names, seeds and initial values).
"""

from dataclasses import dataclass

import keras
from keras import layers, ops

CELLS = {"simple_rnn": layers.SimpleRNN, "gru": layers.GRU, "lstm": layers.LSTM}


def _cell(cell):
    if cell not in CELLS:
        raise ValueError(f"cell={cell!r} is not a recurrent cell; use one of {sorted(CELLS)}.")
    return CELLS[cell]


def _binary(model, optimizer):
    model.compile(loss="binary_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def raw_rnn(cell="simple_rnn", units=600, optimizer="sgd", name=None):
    """Exercises II and III: one recurrent layer on raw word ids as a single feature.

    Input ``(batch, time, 1)`` of word ids as floats, as the course feeds them; output the
    probability that the review is positive. Compiled with binary cross-entropy.
    """
    model = keras.Sequential(
        [
            keras.Input(shape=(None, 1)),
            _cell(cell)(units),
            layers.Dense(1, activation="sigmoid"),
        ],
        name=name or f"{cell}_raw",
    )
    return _binary(model, optimizer)


def onehot_rnn(cell="gru", num_words=80001, seq_len=200, units=128, output_activation="sigmoid", name=None):
    """Exercise V's ``model_onehot``: one recurrent layer reading one-hot word vectors.

    Input ``(batch, seq_len, num_words)`` float one-hot rows (the vector of word id ``i``
    has a 1 at position ``i``); output one number per review. Compiled with adam and
    binary cross-entropy.
    """
    model = keras.Sequential(
        [
            keras.Input(shape=(seq_len, num_words)),
            _cell(cell)(units),
            layers.Dense(1, activation=output_activation),
        ],
        name=name or f"onehot_{cell}",
    )
    return _binary(model, "adam")


def lstm_stack(units=128, depth=3):
    """Exercise IV: ``depth`` stacked LSTM layers on raw ids; all but the last return sequences."""
    model = keras.Sequential([keras.Input(shape=(None, 1))], name="lstm_stack")
    for i in range(depth):
        model.add(layers.LSTM(units, return_sequences=i < depth - 1))
    model.add(layers.Dense(1, activation="sigmoid"))
    return _binary(model, "adam")


def embedding_rnn(
    cell="simple_rnn",
    num_words=10000,
    wordvec_dim=50,
    seq_len=200,
    units=128,
    trainable=True,
    embedding_matrix=None,
    output_activation="sigmoid",
    dropout=0.0,
    name=None,
):
    """Exercises III (fair form), V, VI and VII: ``Embedding`` + one recurrent layer + ``Dense(1)``.

    Input ``(batch, seq_len)`` int word ids below ``num_words``. ``embedding_matrix``
    (shape ``(num_words, wordvec_dim)``) initialises the embedding, e.g. with GloVe;
    ``trainable=False`` freezes it. ``dropout`` > 0 adds ``SpatialDropout1D(dropout)`` after
    the embedding: during training it zeroes that fraction of the word-vector channels, the
    same channels at every step of a review (inference uses all of them), which keeps a model
    with a large trainable embedding from memorising its training reviews. Compiled with adam
    and binary cross-entropy.
    """
    model = keras.Sequential(
        [
            keras.Input(shape=(seq_len,)),
            layers.Embedding(num_words, wordvec_dim, trainable=trainable),
            *([layers.SpatialDropout1D(dropout)] if dropout else []),
            _cell(cell)(units),
            layers.Dense(1, activation=output_activation),
        ],
        name=name or f"embedding_{cell}",
    )
    if embedding_matrix is not None:
        model.layers[0].set_weights([embedding_matrix])
    return _binary(model, "adam")


def best(
    num_words=20000,
    wordvec_dim=50,
    seq_len=400,
    units=64,
    embedding_matrix=None,
    masked=False,
    spatial_dropout=0.2,
    dropout=0.3,
):
    """The course's reference: a trainable embedding initialised by the caller (``embedding_matrix``:
    word2vec vectors of the fitting reviews in the shipped recipe, GloVe in the lever screen's base), a
    bidirectional GRU over the review, max- and mean-pooled over time, ``Dense(1, sigmoid)``.

    ``masked=True`` makes word id 0 padding (``Embedding(mask_zero=True)``): the GRU's forward
    direction starts at the first real word of a front-padded review and both poolings
    (:class:`MaskedGlobalMaxPooling1D`, :class:`MaskedGlobalAveragePooling1D`) read the real steps
    only, so the prediction does not depend on how much padding a review has. ``seq_len=None``
    accepts batches of any length (length-bucketed batches, :mod:`rnncourse.batching`).
    ``spatial_dropout`` drops word-vector channels after the embedding (``SpatialDropout1D``),
    ``dropout`` the pooled features before the output layer, during training only.
    """
    inputs = keras.Input(shape=(seq_len,))
    embedded = layers.Embedding(num_words, wordvec_dim, mask_zero=masked)(inputs)
    embedded = layers.SpatialDropout1D(spatial_dropout)(embedded)
    states = layers.Bidirectional(layers.GRU(units, return_sequences=True))(embedded)
    if masked:
        poolings = [MaskedGlobalMaxPooling1D(), MaskedGlobalAveragePooling1D()]
    else:
        poolings = [layers.GlobalMaxPooling1D(), layers.GlobalAveragePooling1D()]
    pooled = layers.Concatenate()([pooling(states) for pooling in poolings])
    outputs = layers.Dense(1, activation="sigmoid")(layers.Dropout(dropout)(pooled))
    model = keras.Model(inputs, outputs, name="best")
    if embedding_matrix is not None:
        model.get_layer(index=1).set_weights([embedding_matrix])
    return _binary(model, "adam")


class _MaskedPooling1D(layers.Layer):
    """A pooling over time of ``(batch, time, features)`` into ``(batch, features)`` that reads the
    unmasked steps only and passes no mask on."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])

    def compute_mask(self, inputs, mask=None):
        return None


@keras.saving.register_keras_serializable(package="rnncourse")
class MaskedGlobalMaxPooling1D(_MaskedPooling1D):
    """The maximum over time of ``(batch, time, features)``, taken over the unmasked steps only:
    ``(batch, features)``. A row with no unmasked step gives zeros. Without a mask, the maximum over
    every step (as ``GlobalMaxPooling1D``, which ignores the mask: its maximum includes padding)."""

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
        pooled = ops.max(ops.where(keep, inputs, float("-inf")), axis=1)
        return ops.where(ops.any(keep, axis=1), pooled, ops.zeros_like(pooled))


@keras.saving.register_keras_serializable(package="rnncourse")
class MaskedGlobalAveragePooling1D(_MaskedPooling1D):
    """The mean over time of ``(batch, time, features)`` over the unmasked steps only:
    ``(batch, features)``, as ``GlobalAveragePooling1D`` with a mask, except that a row with no
    unmasked step gives zeros (``GlobalAveragePooling1D`` divides by zero there)."""

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.mean(inputs, axis=1)
        keep = ops.cast(ops.expand_dims(mask, -1), inputs.dtype)
        return ops.sum(inputs * keep, axis=1) / ops.maximum(ops.sum(keep, axis=1), 1.0)


_KEYS = (
    "units",
    "activation",
    "recurrent_activation",
    "return_sequences",
    "input_dim",
    "output_dim",
    "trainable",
    "reset_after",
    "use_bias",
    "rate",
    "dropout",
    "recurrent_dropout",
    "merge_mode",
)


def architecture(model):
    """A comparable description of ``model``: per layer its class, sizes, activations and
    trainability, plus the input shape and parameter count; names, seeds and weights ignored."""
    described = []
    for layer in model.layers:
        config = layer.get_config()
        entry = {"class": type(layer).__name__}
        entry.update({key: config[key] for key in _KEYS if key in config})
        if config.get("mask_zero"):  # only when true: unmasked models keep their description
            entry["mask_zero"] = True
        if "layer" in config:
            inner = config["layer"]["config"]
            entry["wrapped"] = {
                "class": config["layer"]["class_name"],
                **{key: inner[key] for key in _KEYS if key in inner},
            }
        described.append(entry)
    return {
        "input_shape": [list(tensor.shape) for tensor in model.inputs],
        "layers": described,
        "params": int(model.count_params()),
    }


@dataclass(frozen=True)
class Recipe:
    """How one shipped model is built and trained.

    ``num_words`` and ``seq_len`` are stated once: with ``n_train`` and ``longest`` they select the
    data (:attr:`data`, the arguments of :func:`rnncourse.data.imdb_arrays`), and a model that embeds
    its word ids gets them as its input size (:attr:`kwargs`). ``options`` are the builder's other
    arguments. ``raw_ids`` feeds ids as one float feature ``(batch, time, 1)`` (the builder then takes
    neither); ``glove`` initialises the embedding with GloVe 50d, ``word2vec`` with word2vec vectors
    trained on the fitting reviews for each seed (:func:`rnncourse.embeddings.word2vec_matrix`). ``bucketed`` trains on length-bucketed
    batches (:mod:`rnncourse.batching`): the model then takes any input length (``seq_len=None``), and
    ``seq_len`` only truncates the reviews. ``patience`` > 0 stops training that
    many epochs after the best validation accuracy and keeps the best epoch. ``seeds``: train once per
    seed and ship the seed with the best validation accuracy (the test accuracy of every seed is
    recorded); empty: one run with the trainer's seed.
    """

    builder: object
    options: dict
    num_words: int
    seq_len: int
    epochs: int
    n_train: int | None = None
    longest: bool = False
    batch_size: int = 64
    raw_ids: bool = False
    glove: bool = False
    word2vec: bool = False
    bucketed: bool = False
    patience: int = 0
    lesson: str = ""
    seeds: tuple = ()

    @property
    def data(self):
        """``{"num_words", "seq_len", "n_train", "longest"}``: the arguments of ``imdb_arrays``."""
        return {
            "num_words": self.num_words,
            "seq_len": self.seq_len,
            "n_train": self.n_train,
            "longest": self.longest,
        }

    @property
    def kwargs(self):
        """Every argument the builder is called with: ``options``, plus ``num_words`` and ``seq_len``
        unless the model reads raw ids (``seq_len`` None when ``bucketed``: any length)."""
        if self.raw_ids:
            return dict(self.options)
        return {
            **self.options,
            "num_words": self.num_words,
            "seq_len": None if self.bucketed else self.seq_len,
        }

    def build(self, embedding_matrix=None, seq_len=None):
        """The compiled model; ``seq_len`` overrides the input length (``--quick`` training)."""
        kwargs = self.kwargs
        if seq_len is not None and "seq_len" in kwargs and not self.bucketed:
            kwargs["seq_len"] = seq_len
        if embedding_matrix is not None:
            kwargs["embedding_matrix"] = embedding_matrix
        return self.builder(**kwargs)


EMBEDDED_EPOCHS = 15
"""Epoch cap of lesson 2's embedded SimpleRNNs: with patience 2 it should not bind (at 8, one
SimpleRNN seed had its best epoch at the cap). ``gru_emb`` keeps its cap of 8, which none of its
seeds reached."""
MATCHED_UNITS = 122
"""SimpleRNN units whose layer has about the parameters of ``GRU(64)`` on 32-number word vectors:
122 * (32 + 122 + 1) = 18,910 against 3 * 64 * (32 + 64 + 2) = 18,816."""

RECIPES = {
    "simple_rnn_raw": Recipe(
        raw_rnn,
        {"cell": "simple_rnn", "units": 600, "optimizer": "sgd", "name": "simple_rnn_raw"},
        num_words=10000,
        seq_len=200,
        n_train=2000,
        longest=True,
        epochs=10,
        raw_ids=True,
        lesson="01 Exercise II: vanishing gradients",
    ),
    "simple_rnn": Recipe(
        raw_rnn,
        {"cell": "simple_rnn", "units": 128, "optimizer": "adam", "name": "SimpleRNN_model"},
        num_words=10000,
        seq_len=200,
        n_train=5000,
        epochs=5,
        raw_ids=True,
        lesson="02 Exercise III: SimpleRNN_model (raw ids)",
    ),
    "gru": Recipe(
        raw_rnn,
        {"cell": "gru", "units": 128, "optimizer": "adam", "name": "gru_model"},
        num_words=10000,
        seq_len=200,
        n_train=5000,
        epochs=5,
        raw_ids=True,
        lesson="02 Exercise III: gru_model (raw ids)",
    ),
    "simple_rnn_emb": Recipe(
        embedding_rnn,
        {"cell": "simple_rnn", "wordvec_dim": 32, "units": 64, "dropout": 0.3, "name": "simple_rnn_emb"},
        num_words=10000,
        seq_len=400,
        epochs=EMBEDDED_EPOCHS,
        batch_size=128,
        patience=2,
        seeds=(42, 43, 44),
        lesson="02 fair comparison: SimpleRNN on long embedded reviews",
    ),
    "gru_emb": Recipe(
        embedding_rnn,
        {"cell": "gru", "wordvec_dim": 32, "units": 64, "dropout": 0.3, "name": "gru_emb"},
        num_words=10000,
        seq_len=400,
        epochs=8,  # never binding: every seed stopped on patience by epoch 5 (so a cap of 15 trains the same run)
        batch_size=128,
        patience=2,
        seeds=(42, 43, 44),
        lesson="02 fair comparison: GRU on long embedded reviews",
    ),
    "simple_rnn_emb_matched": Recipe(
        embedding_rnn,
        {
            "cell": "simple_rnn",
            "wordvec_dim": 32,
            "units": MATCHED_UNITS,
            "dropout": 0.3,
            "name": "simple_rnn_emb_matched",
        },
        num_words=10000,
        seq_len=400,
        epochs=EMBEDDED_EPOCHS,
        batch_size=128,
        patience=2,
        seeds=(42, 43, 44),
        lesson="02 fair comparison: SimpleRNN with the GRU's recurrent parameter count",
    ),
    "lstm_stack": Recipe(
        lstm_stack,
        {"units": 128},
        num_words=10000,
        seq_len=100,
        n_train=2000,
        epochs=5,
        raw_ids=True,
        lesson="02 Exercise IV: stacked LSTMs",
    ),
    "embedding_simple_rnn": Recipe(
        embedding_rnn,
        {"cell": "simple_rnn", "wordvec_dim": 50, "units": 128, "name": "embedding_simple_rnn"},
        num_words=10000,
        seq_len=200,
        epochs=3,
        batch_size=128,
        patience=1,
        lesson="03 Exercise VII: embeddings improve performance",
    ),
    "glove_gru": Recipe(
        embedding_rnn,
        {"cell": "gru", "wordvec_dim": 50, "units": 128, "trainable": False, "name": "glove_gru"},
        num_words=20000,
        seq_len=200,
        epochs=5,
        batch_size=128,
        glove=True,
        patience=1,
        lesson="03 Exercise VI: frozen GloVe embedding",
    ),
    "best": Recipe(
        best,
        {"wordvec_dim": 50, "units": 64, "masked": True},
        num_words=20000,
        seq_len=1000,  # the whole review for all but the 50 training reviews longer than that; bucketed
        epochs=20,  # a cap that should not bind (patience 2 ends training)
        batch_size=128,
        word2vec=True,
        bucketed=True,
        patience=2,
        seeds=(42, 43, 44),
        lesson="03 sentiment on new text: the reference model",
    ),
}


def check_same_architecture(model, name):
    """Raise ``AssertionError`` unless ``model`` has the architecture of the shipped model ``name``
    (as :func:`architecture` describes it); otherwise print a one-line confirmation."""
    reference = architecture(RECIPES[name].build())
    built = architecture(model)
    if built != reference:
        raise AssertionError(
            f"The model differs from rnncourse.models recipe {name!r}:\n  notebook: {built}\n  builder:  {reference}"
        )
    print(f"Same architecture as rnncourse.models recipe {name!r} ({built['params']:,} parameters).")
