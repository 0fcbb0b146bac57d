import matplotlib

matplotlib.use("Agg")
import matplotlib.collections  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from rnncourse import stats  # noqa: E402


def test_spread_uses_the_sample_sd_and_states_n():
    s = stats.spread([0.23, 0.18, 0.48])
    assert s.sd == pytest.approx(np.std([0.23, 0.18, 0.48], ddof=1))
    assert s.n == 3 and s.median == 0.23 and (s.min, s.max) == (0.18, 0.48)
    assert s.format() == "0.30 ± 0.16 (sd, n = 3)"
    assert s.seeds() == "0.23, 0.18, 0.48"


def test_spread_of_one_value_has_no_sd_and_empty_input_is_refused():
    assert np.isnan(stats.spread([0.5]).sd)
    with pytest.raises(ValueError, match="one per seed"):
        stats.spread([])


def test_welch_matches_the_hand_computed_statistic_and_degrees_of_freedom():
    # means 1 and 5, sample variances 2 and 4: se^2 = 2/2 + 4/3 = 7/3, df = (7/3)^2 / (1 + (4/3)^2 / 2) = 49/17
    result = stats.welch([0.0, 2.0], [3.0, 5.0, 7.0])
    assert result.difference == -4.0 and (result.n_a, result.n_b) == (2, 3)
    assert result.t == pytest.approx(-4 / np.sqrt(7 / 3))
    assert result.df == pytest.approx(49 / 17)
    assert result.p == pytest.approx(0.0824, abs=1e-4)
    assert result.format() == "t = -2.62, df = 2.9, two-sided p = 0.082 (Welch, n = 2 and 3)"


def test_welch_reproduces_a_published_example():
    # Wikipedia, "Welch's t-test", example 1: t = -2.46, df = 24.99, p = 0.021
    a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4]
    b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4]
    result = stats.welch(a, b)
    assert (round(result.t, 2), round(result.df, 2), round(result.p, 3)) == (-2.46, 24.99, 0.021)


def test_welch_refuses_a_single_seed():
    with pytest.raises(ValueError, match="at least 2"):
        stats.welch([0.8], [0.8, 0.9])


def test_paired_difference_of_identical_models_is_exactly_zero():
    correct = np.array([True, False, True, True])
    result = stats.paired_difference(correct, correct, n_resamples=200)
    assert (result.difference, result.low, result.high) == (0.0, 0.0, 0.0)


def test_paired_difference_interval_holds_the_difference_and_is_narrower_than_unpaired():
    rng = np.random.default_rng(1)
    hard = rng.random(2000) < 0.5  # reviews both models find hard
    a = ~hard | (rng.random(2000) < 0.1)
    b = a & (rng.random(2000) > 0.05)  # B is A with 5 % more mistakes
    result = stats.paired_difference(a, b, n_resamples=2000, seed=0)
    assert result.low <= result.difference <= result.high
    assert result.difference == pytest.approx(a.mean() - b.mean())
    unpaired_se = np.sqrt(a.var() / len(a) + b.var() / len(b))
    assert (result.high - result.low) < 2 * 1.96 * unpaired_se / 2
    assert "paired bootstrap interval" in result.format() and "2,000 reviews" in result.format()


def test_paired_difference_refuses_unequal_lengths():
    with pytest.raises(ValueError, match="equal-length"):
        stats.paired_difference([True, False], [True])


def test_plot_seeds_draws_every_seed_and_the_median():
    fig, ax = plt.subplots()
    stats.plot_seeds(ax, [50, 100], [[0.2, 0.3, 0.5], [0.1, 0.2, 0.2]], label="SimpleRNN")
    scatters = [c for c in ax.collections if isinstance(c, matplotlib.collections.PathCollection)]
    points = np.concatenate([c.get_offsets() for c in scatters if c.get_offsets().size])
    assert len(points) == 6
    assert list(ax.lines[0].get_ydata()) == [0.3, 0.2]
    labels = ax.get_legend_handles_labels()[1]
    assert "SimpleRNN, each seed (n = 3)" in labels and "SimpleRNN, min-max" in labels
    plt.close(fig)


def test_plot_seeds_at_one_position_draws_the_range_as_a_line():
    fig, ax = plt.subplots()
    stats.plot_seeds(ax, [0], [[0.80, 0.85, 0.82]], label="GRU")
    bands = [c for c in ax.collections if isinstance(c, matplotlib.collections.PolyCollection)]
    assert not bands  # a band at one position would have no width
    (vertical,) = [c for c in ax.collections if isinstance(c, matplotlib.collections.LineCollection)]
    assert np.allclose(vertical.get_segments()[0], [[0, 0.80], [0, 0.85]])
    assert ax.lines[0].get_marker() == "_" and list(ax.lines[0].get_ydata()) == [0.82]
    labels = ax.get_legend_handles_labels()[1]
    assert "GRU, min-max" in labels and "GRU, median" in labels
    plt.close(fig)


def test_plot_seeds_unjoined_draws_a_tick_and_a_range_at_each_position():
    fig, ax = plt.subplots()
    stats.plot_seeds(
        ax,
        [0, 1, 2],
        [[0.2, 0.3, 0.5], [0.1, 0.2, 0.2], [0.9, 1.0, 1.0]],
        label="GRU",
        join=False,
        tick_size=10,
    )
    bands = [c for c in ax.collections if isinstance(c, matplotlib.collections.PolyCollection)]
    assert not bands  # no band between positions: nothing was measured there
    (median,) = ax.lines
    assert median.get_linestyle() == "None" and median.get_marker() == "_" and median.get_markersize() == 10
    assert list(median.get_ydata()) == [0.3, 0.2, 1.0]
    (vertical,) = [c for c in ax.collections if isinstance(c, matplotlib.collections.LineCollection)]
    assert np.allclose(
        vertical.get_segments(), [[[0, 0.2], [0, 0.5]], [[1, 0.1], [1, 0.2]], [[2, 0.9], [2, 1.0]]]
    )
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["GRU, median", "GRU, min-max", "GRU, each seed (n = 3)"]
    plt.close(fig)


def test_paired_mean_difference_of_real_scores_holds_the_difference():
    rng = np.random.default_rng(0)
    a = rng.normal(2.0, 0.3, size=400)
    b = a + 0.1 + rng.normal(0, 0.01, size=400)  # B costs 0.1 more on every review, with little noise
    result = stats.paired_mean_difference(a, b)
    assert result.difference == pytest.approx(np.mean(a - b))
    assert result.low < result.difference < result.high < 0
    assert result.high - result.low < 0.01  # paired: the reviews' shared difficulty cancels
    with pytest.raises(ValueError, match="equal-length"):
        stats.paired_mean_difference(a, b[:-1])
