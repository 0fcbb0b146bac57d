"""The course's one statistical convention (rnncourse/stats.py): a spread over seeds is the sample sd with n
stated, computed by `stats.spread`, and a plot of a few seeds shows every seed (`stats.plot_seeds`), never
+-sd error bars. No lesson code cell computes a spread with NumPy's `std` (ddof = 0 by default) or the
`statistics` module, or draws error bars. A line that needs one of these for something other than a seed
spread (standardising targets, say) carries the marker comment `# not a seed spread`."""

import re

import nbformat
import pytest

from rnncourse.paths import lesson_notebooks

LESSONS = lesson_notebooks()
MARKER = "# not a seed spread"
FORBIDDEN = {
    r"\bstd\s*\(": "a standard deviation by NumPy's std (ddof = 0 unless told): use rnncourse.stats.spread",
    r"\bnanstd\s*\(": "a standard deviation by NumPy's nanstd: use rnncourse.stats.spread",
    r"\bstatistics\.p?stdev\s*\(": "a standard deviation by the statistics module: use rnncourse.stats.spread",
    r"\.errorbar\s*\(": "error bars: with a few seeds, plot every seed with rnncourse.stats.plot_seeds",
}


def violations(notebook):
    """``(cell index, line, reason)`` for every code line that breaks the convention without the marker."""
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            if MARKER in line:
                continue
            code = line.split("#", 1)[0]  # a comment may name what it avoids
            for pattern, reason in FORBIDDEN.items():
                if re.search(pattern, code):
                    found.append((index, line.strip(), reason))
    return found


def _notebook(*sources):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])


def test_the_check_flags_numpy_std_and_error_bars_and_honours_the_marker():
    notebook = _notebook(
        "print(scores.std(axis=1))",
        "sd = np.std(runs, ddof=1)",
        "ax.errorbar(x, means, yerr=sds)",
        "y_mean, y_std = y.mean(), y.std()  # not a seed spread: standardising the targets",
        "summary = stats.spread(runs)  # not np.std(...)",
        "s = statistics.stdev(values)",
    )
    assert [index for index, _, _ in violations(notebook)] == [0, 1, 2, 5]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lessons_compute_seed_spreads_with_the_course_function(path):
    found = violations(nbformat.read(path, as_version=4))
    assert not found, f"{path.name}: " + "; ".join(
        f"cell {index} `{line}`: {reason} (or mark a non-seed use with `{MARKER}`)"
        for index, line, reason in found
    )
