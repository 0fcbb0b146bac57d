"""For maintainers: experiments too slow for a notebook, run by the trainer (``python -m
rnncourse.tools.train``) and stored in ``weights/manifest.json``; the lessons plot the results.

``long_memory``: a synthetic task whose label is the sign of the *first* input of a noisy
sequence, so a cell must carry one number across ``lag`` steps; accuracy of SimpleRNN,
GRU and LSTM against the lag.

``glove_curve``: held-out IMDB accuracy of an embedding trained from scratch, frozen GloVe
and fine-tuned GloVe, against the number of training reviews.
"""


import keras

from ..models import CELLS, embedding_rnn
from ..tasks import first_sign_task, memory_model

LAGS = (5, 20, 50, 100, 200)
CURVE_SIZES = (500, 2000, 20000)
CURVE_VARIANTS = ("scratch", "frozen_glove", "finetuned_glove")


def long_memory(lags=LAGS, n_train=2000, n_test=1000, epochs=8, seed=0, log=print):
    """``{cell: {lag: test accuracy}}`` for SimpleRNN, GRU and LSTM on :func:`first_sign_task`."""
    results = {}
    for cell in CELLS:
        results[cell] = {}
        for lag in lags:
            keras.utils.set_random_seed(seed)
            x, y = first_sign_task(n_train, lag, seed)
            x_test, y_test = first_sign_task(n_test, lag, seed + 1)
            model = memory_model(cell)
            model.fit(x, y, epochs=epochs, batch_size=64, verbose=0)
            _, accuracy = model.evaluate(x_test, y_test, verbose=0, batch_size=256)
            results[cell][str(lag)] = round(float(accuracy), 4)
            log(f"long_memory {cell} lag {lag}: accuracy {accuracy:.3f}")
    return results


def glove_curve(arrays, glove_matrix, sizes=CURVE_SIZES, seed=0, units=32, log=print):
    """``{variant: {n_train: test accuracy}}`` for the three embedding variants.

    ``arrays`` is ``((x_train, y_train), (x_test, y_test))`` from ``imdb_arrays``; each run
    trains Embedding(50d) + GRU(``units``) on the first ``n_train`` reviews, with the
    number of epochs scaled so every size sees about the same number of updates (at most
    10 epochs, at least 2), keeping the epoch with the best validation accuracy.
    """
    (x_train, y_train), (x_test, y_test) = arrays
    vocabulary, dim = glove_matrix.shape
    results = {variant: {} for variant in CURVE_VARIANTS}
    for n in sizes:
        epochs = int(min(10, max(2, round(40000 / n))))
        for variant in CURVE_VARIANTS:
            keras.utils.set_random_seed(seed)
            model = embedding_rnn(
                "gru", vocabulary=vocabulary, wordvec_dim=dim, seq_len=x_train.shape[1], units=units,
                trainable=variant != "frozen_glove",
                embedding_matrix=None if variant == "scratch" else glove_matrix,
                name=f"curve_{variant}")
            stop = keras.callbacks.EarlyStopping("val_accuracy", patience=2, restore_best_weights=True)
            model.fit(x_train[:n], y_train[:n], epochs=epochs, batch_size=64 if n < 5000 else 128,
                      validation_split=0.1, callbacks=[stop], verbose=0)
            _, accuracy = model.evaluate(x_test, y_test, verbose=0, batch_size=512)
            results[variant][str(n)] = round(float(accuracy), 4)
            log(f"glove_curve {variant} n={n}: accuracy {accuracy:.3f}")
    return results
