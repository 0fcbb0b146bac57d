"""For learners: the course's one statistical convention, in one place.

- A spread over seeds is the sample standard deviation (ddof = 1), always with n stated: `spread`.
- With n <= 5, a plot shows every seed plus the median and the min-max range, never +-sd bars: `plot_seeds`.
- Two models scored on the same test reviews are compared by a paired bootstrap interval of the difference
  in accuracy (the same resampled reviews for both): `paired_difference`; of a real-valued per-review
  score (bits per character) by `paired_mean_difference`.
- Two recipes' means over seeds are compared by Welch's t-test (unequal variances, Welch-Satterthwaite
  degrees of freedom, two-sided p): `welch`. With n = 3 per recipe it is a weak test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SMALL_N = 5  # up to this many seeds, plots show every seed with median and min-max


@dataclass(frozen=True)
class Spread:
    """Summary of one quantity measured once per seed."""

    values: tuple[float, ...]
    mean: float
    sd: float  # sample standard deviation, ddof = 1 (nan for a single value)
    median: float
    min: float
    max: float

    @property
    def n(self) -> int:
        return len(self.values)

    def format(self, digits: int = 2) -> str:
        """'0.30 ± 0.16 (sd, n = 3)': the mean, the sample sd and the number of seeds."""
        return f"{self.mean:.{digits}f} ± {self.sd:.{digits}f} (sd, n = {self.n})"

    def seeds(self, digits: int = 2) -> str:
        """Every value, as '0.23, 0.18, 0.48'."""
        return ", ".join(f"{value:.{digits}f}" for value in self.values)

    __str__ = format


def spread(values) -> Spread:
    """Mean, sample sd (ddof = 1), median, min and max of one value per seed."""
    array = np.asarray(list(values), dtype=np.float64)
    if array.ndim != 1 or len(array) == 0:
        raise ValueError(f"spread() needs a non-empty list of numbers, one per seed; got shape {array.shape}")
    sd = float(np.std(array, ddof=1)) if len(array) > 1 else float("nan")
    return Spread(
        values=tuple(float(value) for value in array),
        mean=float(array.mean()),
        sd=sd,
        median=float(np.median(array)),
        min=float(array.min()),
        max=float(array.max()),
    )


def plot_seeds(
    ax, x, runs, *, label: str, color=None, marker: str = "o", join: bool = True, tick_size: float = 24
):
    """Every seed as a point, the median as a line and the min-max range as a band.

    `x` holds the positions (for example lengths); `runs` holds one list of per-seed values per position.
    At a single position, where a line and a band would have no width, the median is a tick (`tick_size`
    points wide) and the min-max range a vertical line. `join=False` draws every position that way: for
    categories (a few lengths at evenly spaced positions, say), where a line between two positions would
    suggest values in between that nobody measured. Returns the median's line (a `Line2D` of ticks when
    nothing is joined).
    """
    x = np.asarray(x, dtype=np.float64)
    spreads = [spread(values) for values in runs]
    medians, lows, highs = ([getattr(s, key) for s in spreads] for key in ("median", "min", "max"))
    if len(x) == 1 or not join:
        (line,) = ax.plot(
            x,
            medians,
            color=color,
            linestyle="none",
            marker="_",
            markersize=tick_size,
            label=f"{label}, median",
        )
        ax.vlines(x, lows, highs, color=line.get_color(), alpha=0.5, label=f"{label}, min-max")
        color = line.get_color()
    else:
        (line,) = ax.plot(x, medians, color=color, label=f"{label}, median")
        color = line.get_color()
        ax.fill_between(x, lows, highs, color=color, alpha=0.15, label=f"{label}, min-max")
    for position, s in zip(x, spreads):
        ax.scatter([position] * s.n, s.values, color=color, marker=marker, s=14, zorder=3)
    n = {s.n for s in spreads}
    ax.scatter(
        [],
        [],
        color=color,
        marker=marker,
        s=14,
        label=f"{label}, each seed (n = {', '.join(map(str, sorted(n)))})",
    )
    return line


@dataclass(frozen=True)
class PairedDifference:
    """Accuracy of model A minus model B on the same reviews, with a paired bootstrap interval."""

    difference: float
    low: float
    high: float
    level: float
    n_reviews: int
    n_resamples: int

    def format(self, digits: int = 4) -> str:
        return (
            f"{self.difference:+.{digits}f} ({self.level:.0%} paired bootstrap interval "
            f"{self.low:+.{digits}f} to {self.high:+.{digits}f}, {self.n_reviews:,} reviews)"
        )

    __str__ = format


def paired_difference(
    correct_a, correct_b, *, n_resamples: int = 10_000, level: float = 0.95, seed: int = 0
) -> PairedDifference:
    """Paired bootstrap interval for accuracy(A) - accuracy(B) on the same test reviews.

    `correct_a` and `correct_b` say, review by review, whether each model was right (booleans, same order).
    Each resample draws reviews with replacement and scores both models on the same draw, so the interval
    reflects the reviews' shared difficulty, not two independent samples.
    """
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(
            f"paired_difference() needs two equal-length 1-D arrays of per-review correctness; "
            f"got shapes {a.shape} and {b.shape}"
        )
    per_review = a.astype(np.int8) - b.astype(np.int8)  # +1, 0 or -1 for each review
    return _paired_bootstrap(per_review, n_resamples, level, seed)


def paired_mean_difference(
    scores_a, scores_b, *, n_resamples: int = 10_000, level: float = 0.95, seed: int = 0
) -> PairedDifference:
    """Paired bootstrap interval for mean(A) - mean(B) of a per-review score (bits per character, say)
    of two models on the same reviews, in the same order: `paired_difference` for real-valued scores."""
    a = np.asarray(scores_a, dtype=np.float64)
    b = np.asarray(scores_b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError(
            f"paired_mean_difference() needs two equal-length 1-D arrays of per-review scores; "
            f"got shapes {a.shape} and {b.shape}"
        )
    return _paired_bootstrap(a - b, n_resamples, level, seed)


def _paired_bootstrap(per_review, n_resamples, level, seed) -> PairedDifference:
    """The mean of the per-review differences, with the bootstrap interval over resampled reviews."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    rng = np.random.default_rng(seed)
    resampled = np.empty(n_resamples)
    for start in range(
        0, n_resamples, 500
    ):  # in chunks, so 10,000 x 5,000 indices never sit in memory at once
        stop = min(start + 500, n_resamples)
        draws = rng.integers(0, len(per_review), size=(stop - start, len(per_review)))
        resampled[start:stop] = per_review[draws].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(resampled, [tail, 1 - tail])
    return PairedDifference(
        difference=float(per_review.mean()),
        low=float(low),
        high=float(high),
        level=level,
        n_reviews=len(per_review),
        n_resamples=n_resamples,
    )


@dataclass(frozen=True)
class Welch:
    """Welch's t-test of mean(A) - mean(B) from two independent samples (for example test accuracies over seeds)."""

    difference: float  # mean(A) - mean(B)
    t: float
    df: float  # Welch-Satterthwaite degrees of freedom
    p: float  # two-sided
    n_a: int
    n_b: int

    def format(self, digits: int = 2) -> str:
        """'t = 3.21, df = 2.1, two-sided p = 0.083 (Welch, n = 3 and 3)'."""
        return (
            f"t = {self.t:.{digits}f}, df = {self.df:.1f}, two-sided p = {self.p:.{digits + 1}f} "
            f"(Welch, n = {self.n_a} and {self.n_b})"
        )

    __str__ = format


def welch(a, b) -> Welch:
    """Welch's unequal-variance t-test of mean(a) - mean(b) (`scipy.stats.ttest_ind(equal_var=False)`).

    `a` and `b` hold one value per seed (at least 2 each). The degrees of freedom are Welch-Satterthwaite's,
    (s_a^2/n_a + s_b^2/n_b)^2 / ((s_a^2/n_a)^2/(n_a - 1) + (s_b^2/n_b)^2/(n_b - 1)), and p is two-sided.
    """
    from scipy import stats as scipy_stats

    a = np.asarray(list(a), dtype=np.float64)
    b = np.asarray(list(b), dtype=np.float64)
    if a.ndim != 1 or b.ndim != 1 or len(a) < 2 or len(b) < 2:
        raise ValueError(
            f"welch() needs two 1-D lists of at least 2 values each (one per seed); got shapes {a.shape} and {b.shape}"
        )
    result = scipy_stats.ttest_ind(a, b, equal_var=False)
    return Welch(
        difference=float(a.mean() - b.mean()),
        t=float(result.statistic),
        df=float(result.df),
        p=float(result.pvalue),
        n_a=len(a),
        n_b=len(b),
    )
