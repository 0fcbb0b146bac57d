"""For learners: training runs that record, update by update, the loss and the gradient's global norm
before clipping (lesson 01: exploding gradients and clipping, several seeds at a time).

* :func:`batch_order` draws which rows make each update's batch (reshuffled every epoch, seeded).
* :func:`train_trace` trains a Keras model with a Keras optimizer (clipping included) over such an order
  in one compiled loop, and returns the loss and the pre-clip global norm of every update. It is the
  compiled counterpart of :func:`rnncourse.gradients.global_norm_trace`; a run that diverges stops
  and reports ``nan`` for the updates it did not make, so runs of different seeds line up.
* :func:`seed_runs` repeats it for several seeds on one model and one optimizer (traced once), restoring
  the seed's initial weights and the optimizer's initial state before each run.
* :func:`clip_bounds` gives the largest update norm each Keras clipping option lets through.
"""

import weakref

import numpy as np

_compiled = weakref.WeakKeyDictionary()  # {model: {(optimizer id, loss): compiled loop}}


def batch_order(n_rows, batch_size, steps, seed):
    """Row indices of each update's batch: an int32 array of shape ``(steps, batch_size)``.

    Every epoch is a fresh permutation of the ``n_rows`` rows (seeded by ``seed``), cut into batches
    of ``batch_size``; a last incomplete batch is dropped, so every update sees ``batch_size`` rows.
    """
    if not 0 < batch_size <= n_rows:
        raise ValueError(f"batch_size must be between 1 and n_rows = {n_rows}, got {batch_size}.")
    rng = np.random.default_rng(seed)
    per_epoch = n_rows // batch_size
    epochs = -(-steps // per_epoch)
    batches = [
        rng.permutation(n_rows)[: per_epoch * batch_size].reshape(per_epoch, batch_size)
        for _ in range(epochs)
    ]
    return np.concatenate(batches)[:steps].astype(np.int32)


def _loop(model, optimizer, loss):
    """The compiled loop (x, y, order) -> (loss per update, pre-clip global norm per update)."""
    import tensorflow as tf

    variables = model.trainable_variables

    @tf.function(reduce_retracing=True)
    def run(x, y, order):
        losses = tf.TensorArray(x.dtype, size=0, dynamic_size=True)
        norms = tf.TensorArray(x.dtype, size=0, dynamic_size=True)
        for step in tf.range(tf.shape(order)[0]):
            x_batch, y_batch = tf.gather(x, order[step]), tf.gather(y, order[step])
            with tf.GradientTape() as tape:
                value = tf.reduce_mean(loss(y_batch, model(x_batch, training=True)))
            grads = tape.gradient(value, variables)
            norm = tf.linalg.global_norm(grads)
            losses = losses.write(step, value)
            norms = norms.write(step, norm)
            if not tf.math.is_finite(value) or not tf.math.is_finite(norm):
                break  # diverged: every later update would be nan too
            optimizer.apply(grads, variables)
        return losses.stack(), norms.stack()

    return run


def train_trace(model, optimizer, x, y, loss, order):
    """Train ``model`` in place, one update per row of ``order`` (see :func:`batch_order`), with
    ``optimizer`` (its clipping included) applying each update.

    ``loss(y_true, y_pred)`` returns one value per example; each update minimises their mean.
    Returns ``{"loss": array, "global_norm": array}``, float64 of shape ``(steps,)``: the batch loss and
    ``sqrt(sum of squared entries of every gradient)`` before clipping, at every update. A run stops at
    the first update whose loss or norm is not finite (that update is not applied): the values from
    there on are ``nan``, or what overflowed at that update. The loop is compiled once per model,
    optimizer and loss.
    """
    import tensorflow as tf

    dtype = model.trainable_variables[0].dtype
    x = tf.convert_to_tensor(np.asarray(x), dtype=dtype)
    y = tf.reshape(tf.convert_to_tensor(np.asarray(y), dtype=dtype), (-1, 1))
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    loops = _compiled.setdefault(model, {})
    key = (id(optimizer), loss)
    if key not in loops:
        loops[key] = (optimizer, _loop(model, optimizer, loss))  # keeps the optimizer alive with its loop
    order = np.asarray(order, dtype=np.int32)
    losses, norms = loops[key][1](x, y, tf.convert_to_tensor(order))
    result = {}
    for name, values in (("loss", losses), ("global_norm", norms)):
        result[name] = np.full(len(order), np.nan)
        result[name][: values.shape[0]] = values.numpy()
    return result


def seed_runs(build_model, optimizer, x, y, loss, seeds, steps, batch_size, evaluate=None):
    """One :func:`train_trace` per seed, all on the same data with the same optimizer settings.

    ``build_model(seed)`` returns a fresh model initialised from ``seed``; the first one is trained
    and, for every later seed, its weights are reset to that seed's initial weights and the optimizer's
    state (momentum, iteration count) to its initial values, so the compiled loop is traced once.
    ``seed`` also fixes the batch order (:func:`batch_order`). Returns ``{"loss": array, "global_norm":
    array}``, float64 of shape ``(len(seeds), steps)``, and with ``evaluate`` (a function of the trained
    model) also ``"evaluation"``: the list of its results, one per seed.
    """
    model, initial_state, runs, evaluation = None, None, [], []
    for seed in seeds:
        fresh = build_model(seed)
        if model is None:
            model = fresh
            optimizer.build(model.trainable_variables)
            initial_state = [variable.numpy() for variable in optimizer.variables]
        else:
            model.set_weights(fresh.get_weights())
            for variable, value in zip(optimizer.variables, initial_state):
                variable.assign(value)
        order = batch_order(len(x), batch_size, steps, seed)
        runs.append(train_trace(model, optimizer, x, y, loss, order))
        if evaluate is not None:
            evaluation.append(evaluate(model))
    result = {name: np.stack([run[name] for run in runs]) for name in ("loss", "global_norm")}
    if evaluate is not None:
        result["evaluation"] = evaluation
    return result


def clip_bounds(model, threshold):
    """The largest norm of the clipped gradient that each Keras option lets through at ``threshold``.

    ``clipvalue`` clips every entry to ``[-threshold, threshold]``: at most ``threshold * sqrt(number of
    weights)``; ``clipnorm`` clips each weight tensor to norm ``threshold``: at most ``threshold *
    sqrt(number of tensors)``; ``global_clipnorm`` clips the whole gradient to norm ``threshold``.
    Returns ``{"clipvalue": float, "clipnorm": float, "global_clipnorm": float}``.
    """
    variables = model.trainable_variables
    n_weights = sum(int(np.prod(variable.shape)) for variable in variables)
    return {
        "clipvalue": threshold * float(np.sqrt(n_weights)),
        "clipnorm": threshold * float(np.sqrt(len(variables))),
        "global_clipnorm": float(threshold),
    }


def equal_bound_thresholds(model, bound):
    """The threshold of each Keras clipping option whose :func:`clip_bounds` is ``bound``:
    ``{"clipvalue": ..., "clipnorm": ..., "global_clipnorm": bound}``."""
    unit = clip_bounds(model, 1.0)
    return {option: bound / per_unit for option, per_unit in unit.items()}


def plot_distance_curves(ax, curves):
    """Draw :class:`rnncourse.explorers.GradientCurve` s on ``ax``: each curve's mean ``||dL/dx_{T-k}||``
    against the distance ``k`` from the last step (solid, log scale), and in the same colour, dashed,
    the rate ``(gamma sigma_max(U))^k`` through its value at ``k = 0`` (gamma = 1). ``curves`` is
    ``{label: curve}``. Returns ``ax``."""
    for index, (label, curve) in enumerate(curves.items()):
        color = f"C{index}"
        ax.plot(curve.distance, curve.norms, color=color, label=label)
        if curve.slope is not None:
            ax.plot(curve.distance, curve.slope, color=color, linestyle="--", linewidth=0.8)
    ax.plot(
        [], [], color="grey", linestyle="--", linewidth=0.8, label="(γ σ_max(U))^k, γ = 1 (a rate, dashed)"
    )
    ax.set_yscale("log")
    ax.set_xlabel("distance from the last step k (steps)")
    ax.set_ylabel("mean ‖∂L/∂x_{T−k}‖ (log scale)")
    ax.set_xlim(0, max(len(curve.norms) for curve in curves.values()) - 1)
    return ax


def plot_seed_traces(ax, values, *, label, color=None, x=None):
    """Every seed's trace as a thin line, their median as a thick one and their min-max range as a band,
    on ``ax`` (the course's convention for a few seeds, :mod:`rnncourse.stats`, for long traces).

    ``values`` has shape ``(seeds, points)``; ``x`` the positions (default 1, 2, ...). Non-finite
    points are left out, and the median and the band are drawn only where every seed is finite; a
    seed whose trace stops being finite gets an ``x`` marker at its last finite point, counted in the
    legend (the other legend entries only when the median has two points or more). Returns the median's line.
    """
    values = np.asarray(values, dtype=np.float64)
    x = np.arange(1, values.shape[1] + 1) if x is None else np.asarray(x)
    finite = np.isfinite(values)
    shown = np.where(finite, values, np.nan)
    median = np.full(values.shape[1], np.nan)
    complete = finite.all(axis=0)  # the median only where every seed is finite
    median[complete] = np.median(values[:, complete], axis=0)
    drawn = complete.sum() > 1  # lines and a band need two points: no legend entries for what is not drawn
    (line,) = ax.plot(
        x,
        median,
        color=color,
        linewidth=2,
        label=f"{label}, median of {len(values)} seeds" if drawn else None,
    )
    color = line.get_color()
    low, high = (np.full(values.shape[1], np.nan) for _ in range(2))
    low[complete], high[complete] = values[:, complete].min(axis=0), values[:, complete].max(axis=0)
    ax.fill_between(x, low, high, color=color, alpha=0.15, label=f"{label}, min-max" if drawn else None)
    for run in shown:
        ax.plot(x, run, color=color, linewidth=0.7, alpha=0.6)
    stopped = [
        (x[ok.argmin() - 1], run[ok.argmin() - 1]) for run, ok in zip(shown, finite) if not ok.all() and ok[0]
    ]
    if stopped:
        ax.plot(
            *zip(*stopped),
            linestyle="none",
            marker="x",
            markersize=8,
            color=color,
            label=f"{label}: last finite value ({len(stopped)} of {len(values)} seeds)",
        )
    if drawn:
        ax.plot([], [], color=color, linewidth=0.7, alpha=0.6, label=f"{label}, each seed")
    return line
