"""For learners: character-level language modelling of IMDB reviews (lesson 04).

* The task: every sequence is the first :data:`TEXT_LENGTH` characters of one review, lower-cased, each
  character mapped to an id of :data:`CHARS` (:func:`encode`, :func:`review_ids`). A model predicts every
  character from the ones before it in the same review; the first from the start marker alone.
* The reviews: :func:`lm_splits` takes them from the course's bundled *training* split only (the test
  reviews are never read), after the IMDB protocol (:data:`rnncourse.data.PROTOCOL`): the model is fitted
  on fitting reviews, every choice (epoch, seed, n-gram order, discount) is made on the first half of the
  protocol's validation reviews, and the second half, the held-out reviews, is scored once.
* The baseline: an interpolated Kneser-Ney character n-gram model (:class:`KneserNey`; Kneser & Ney 1995,
  in the interpolated form of Chen & Goodman 1999), its order and discount tuned on validation.
* The Keras model: :func:`gru_language_model`, an ``Embedding`` of the characters, a ``GRU`` that returns
  every state, and a ``Dense`` layer of one logit per character.
* :func:`bits_per_character` scores both; :func:`temperature_probabilities` and :func:`sample` write text.
"""

from collections import Counter

import numpy as np

from .data import SHUFFLE_SEED, VALIDATION_FRACTION, load_imdb_texts, shuffled_order

ALPHABET = " abcdefghijklmnopqrstuvwxyz0123456789.,'\"-()!?:;*/&"
"""The characters a model reads and writes (lower-case): every other character becomes :data:`UNKNOWN`."""
PAD, START, UNKNOWN = 0, 1, 2
CHARS = ("", "^", "~", *ALPHABET)
"""The character of every id: 0 is padding (never a target), 1 the start marker shown as ``^``, 2 any
character outside :data:`ALPHABET`, shown as ``~``."""
VOCAB_SIZE = len(CHARS)
TEXT_LENGTH = 200
"""Characters of each review a model predicts: the first 200 (reviews shorter than that are left out)."""
FIT_REVIEWS = 8000
"""Fitting reviews a model learns from (the first 8,000 of the protocol's 18,000; 1.6 million characters)."""
_IDS = {char: i for i, char in enumerate(CHARS) if i > UNKNOWN}


def encode(text):
    """The ids of ``text``'s characters (lower-cased), an int32 array; unknown characters become 2."""
    return np.array([_IDS.get(char, UNKNOWN) for char in text.lower()], dtype=np.int32)


def decode(ids):
    """The text of character ids (the start marker as ``^``, unknown characters as ``~``, padding dropped)."""
    return "".join(CHARS[int(i)] for i in ids)


def review_ids(texts, length=TEXT_LENGTH):
    """``(len(kept), length + 1)`` int32 array: the start marker, then each kept review's first ``length``
    characters; a review shorter than ``length`` is left out. Also returns the indices of the kept texts."""
    kept = [i for i, text in enumerate(texts) if len(text) >= length]
    rows = np.full((len(kept), length + 1), START, dtype=np.int32)
    for row, i in enumerate(kept):
        rows[row, 1:] = encode(texts[i][:length])
    return rows, np.array(kept, dtype=np.int64)


def lm_splits(fit_reviews=FIT_REVIEWS, length=TEXT_LENGTH):
    """``{"fit", "validation", "heldout"}``: arrays of :func:`review_ids` from the bundled training split.

    In ``load_imdb``'s shuffled order, as every IMDB model of the course: ``fit`` from the first
    ``fit_reviews`` of the protocol's fitting reviews (the first 90 %); ``validation`` and ``heldout``
    from the first and second halves of its validation reviews (the last 10 %: 1,000 each).
    """
    (texts, _), _ = load_imdb_texts()
    order, _ = shuffled_order(len(texts), 0, SHUFFLE_SEED)
    n_fit = len(texts) - int(round(len(texts) * VALIDATION_FRACTION))
    if not 1 <= fit_reviews <= n_fit:
        raise ValueError(
            f"fit_reviews must be between 1 and {n_fit:,} (the fitting reviews), got {fit_reviews}."
        )
    half = (len(texts) - n_fit) // 2
    groups = {
        "fit": order[:fit_reviews],
        "validation": order[n_fit : n_fit + half],
        "heldout": order[n_fit + half :],
    }
    return {name: review_ids([texts[i] for i in rows], length)[0] for name, rows in groups.items()}


# ---------------------------------------------------------------------------- the n-gram baseline


class KneserNey:
    """Interpolated Kneser-Ney character n-grams of every order up to ``max_order``, counted once.

    The model of order n predicts character c after the context h of its n - 1 previous characters:
    ``P_n(c | h) = max(N(hc) - D, 0) / N(h) + D * T(h) / N(h) * Q(c | h')``, where N counts what followed h
    in the fitting rows, T(h) is the number of different characters seen after h, and h' is h without its
    first character. The lower orders Q use continuation counts instead of counts (how many different
    characters were seen before h'c), down to the uniform distribution over the ``vocab_size - 2``
    predictable ids. A context never seen passes its lower order through unchanged. Rows start with the
    start marker, as :func:`review_ids` makes them; it is context only, never a target.
    """

    def __init__(self, rows, max_order, vocab_size=VOCAB_SIZE):
        if max_order < 1:
            raise ValueError(f"max_order must be at least 1, got {max_order}.")
        self.max_order, self.vocab_size = int(max_order), int(vocab_size)
        texts = self._texts(rows)
        self.counts = {}  # {order: Counter of n-grams ending at a target}
        for order in range(1, self.max_order + 1):
            self.counts[order] = Counter(
                text[end - order + 1 : end + 1] for text in texts for end in range(self.max_order, len(text))
            )
        self.continuation = {  # {order: Counter(gram: different characters seen before it)}
            order: Counter(gram[1:] for gram in self.counts[order + 1]) for order in range(1, self.max_order)
        }
        self.raw_contexts = {order: self._contexts(c) for order, c in self.counts.items()}
        self.continuation_contexts = {order: self._contexts(c) for order, c in self.continuation.items()}

    def _texts(self, rows):
        """Each row as a string of one character per id, after ``max_order - 1`` more start markers."""
        pad = chr(START) * (self.max_order - 1)
        return [pad + "".join(map(chr, row)) for row in np.asarray(rows)]

    @staticmethod
    def _contexts(counts):
        """{context: (total count after it, different characters after it)}."""
        totals, followers = Counter(), Counter()
        for gram, count in counts.items():
            totals[gram[:-1]] += count
            followers[gram[:-1]] += 1
        return {context: (totals[context], followers[context]) for context in totals}

    @staticmethod
    def _level(counts, contexts, gram, discount, lower):
        seen = contexts.get(gram[:-1])
        if seen is None:
            return lower
        total, followers = seen
        return (max(counts.get(gram, 0) - discount, 0.0) + discount * followers * lower) / total

    def probabilities(self, rows, discount):
        """P(each target | its context) under the models of every order 1 .. ``max_order`` with discount
        D in (0, 1): an array ``(max_order, len(rows), row length - 1)``; index 0 is the order-1 model."""
        if not 0 < discount < 1:
            raise ValueError(f"discount must be between 0 and 1 (exclusive), got {discount}.")
        texts = self._texts(rows)
        out = np.empty((self.max_order, len(texts), len(texts[0]) - self.max_order))
        uniform = 1.0 / (self.vocab_size - 2)
        for r, text in enumerate(texts):
            for t, end in enumerate(range(self.max_order, len(text))):
                lower = uniform
                for order in range(1, self.max_order + 1):
                    gram = text[end - order + 1 : end + 1]
                    out[order - 1, r, t] = self._level(
                        self.counts[order], self.raw_contexts[order], gram, discount, lower
                    )
                    if order < self.max_order:
                        lower = self._level(
                            self.continuation[order], self.continuation_contexts[order], gram, discount, lower
                        )
        return out


def bits_per_character(probabilities, axis=None):
    """Mean of -log2 P over the predicted characters (all of them, or along ``axis``)."""
    return -np.mean(np.log2(probabilities), axis=axis)


# ---------------------------------------------------------------------------- the Keras model

UNITS = 256
EMBEDDING_DIM = 32


def gru_language_model(units=UNITS, embedding_dim=EMBEDDING_DIM, vocab_size=VOCAB_SIZE, learning_rate=3e-3):
    """Character ids (batch, time) -> one logit per character id at every step (batch, time, vocab).

    An ``Embedding`` of the characters, a ``GRU`` that returns its state at every step, and a ``Dense``
    layer; compiled with Adam (``clipnorm=1.0``) and the cross-entropy of the logits.
    """
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=(None,), dtype="int32"),
            layers.Embedding(vocab_size, embedding_dim, name="characters"),
            layers.GRU(units, return_sequences=True, name="gru"),
            layers.Dense(vocab_size, name="logits"),
        ],
        name="char_gru",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def model_probabilities(model, rows, batch_size=250):
    """P(each target | the characters before it) under a Keras model of logits: ``(len(rows), length)``."""
    rows = np.asarray(rows)
    out = np.empty((len(rows), rows.shape[1] - 1))
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        logits = np.asarray(model(chunk[:, :-1], training=False), dtype=np.float64)
        logits -= logits.max(axis=-1, keepdims=True)
        log_p = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
        out[start : start + len(chunk)] = np.exp(
            np.take_along_axis(log_p, chunk[:, 1:, None], axis=-1)[..., 0]
        )
    return out


# ---------------------------------------------------------------------------- sampling


def temperature_probabilities(logits, temperature):
    """softmax(logits / temperature) along the last axis: below 1 sharper, above 1 flatter, 1 unchanged."""
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}.")
    from .charrnn import softmax

    return softmax(np.asarray(logits, dtype=np.float64) / temperature)
