"""Guard against prose drift: every precise number a lesson's text states must be one the lesson computes.

For each lesson ``notebooks/NN_*.ipynb``, every number with three or more significant digits in a
markdown cell must appear, at the precision the text gives, in an output or the code of a code cell
of the same notebook. When a model is retrained and the outputs change, the sentences that still
quote the old numbers fail here, each listed with its cell and sentence.

Run as a script to list every unmatched number across the lessons (exit status 1 if any)::

    .venv/bin/python tests/course/test_prose_numbers.py [notebooks/01_….ipynb ...]

The rules:

* **What a number is.** Digits with an optional decimal part and exponent (``0.8720``, ``87.2``,
  ``2.6e-05``, ``9.5e+07``), thousands separated by ``,``, LaTeX's ``{,}`` or ``\\,``, or a thin space
  (``1,377``, ``37{,}248``). Signs are ignored (``−436`` is 436). Numbers in LaTeX math and in
  ``code spans`` count like any other: a computed ``$3 \\cdot 64 \\cdot (128 + 64 + 2) = 37{,}248$`` is a
  statement. Digits that are part of a name are not numbers: ``float32``, ``glove.6B.50d``,
  ``SHA-256``, ``Conv1D``, ``2nd``, version-like ``1.2.3``; nor are link targets, URLs, HTML tags
  and entities.
* **Significant digits.** Leading zeros never count; trailing zeros count after a decimal point only:
  ``0.872`` and ``0.500`` have 3, ``0.54`` and ``1.0`` 2, ``1,377`` 4, ``20,000`` and ``5,000`` 1
  (a round count, like ``400 words``, is a setting, not a result). Numbers with fewer than 3 are
  not checked. Four-digit integers from 1900 to 2099 without a separator are years (``Maas et al.,
  2011``) and not checked.
* **Matching.** A stated number matches a printed one that rounds to it at the stated precision:
  ``0.872`` matches ``0.872``, ``0.8720`` and ``0.87204``, not ``0.8726`` or ``0.87``; ``6.947e-05``
  matches ``6.94712e-05`` and ``0.0000694712``; ``1,377`` matches ``1377``. The printed number must
  be written at least as precisely as the stated one: ``0.500`` does not match a ``0.5`` (the text
  would claim digits that nothing printed). A number followed by ``%`` or ``points`` also matches a
  printed fraction a hundred times smaller (``87.2 %`` or ``+3.51 points`` against ``0.872`` or
  ``0.0351``). Printed numbers come from every text output (stream, ``text/plain``, ``text/html``,
  ``text/markdown``, errors) and from the code itself; digits glued to a name (``float32``,
  ``SHA-256``) are not read there either.
* **Exceptions** are marked in the markdown cell, next to the number, with a reason that a reader
  would accept, for instance a figure from the literature::

      <!-- prose-ok: 0.167 the MSE of always predicting 1.0, computed in the text -->

  It excuses that number in that cell only. An exception whose number the cell no longer states, or
  which an output now matches anyway, is reported too, so exceptions do not outlive their reason.
"""

import json
import re
import sys
from bisect import bisect_left
from decimal import Decimal
from pathlib import Path

import pytest

from rnncourse.paths import lesson_notebooks

ROOT = Path(__file__).resolve().parents[2]
MIN_SIGNIFICANT = 3
SEPARATOR = r"(?:,|\{,\}|\\,|\u2009|\u202f)"
NUMBER_BODY = (
    rf"(?P<mantissa>\d{{1,3}}(?:{SEPARATOR}\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<exponent>[eE][-+\u2212]?\d+)?"
)
PROSE_NUMBER = re.compile(rf"(?<![\w.])(?<![A-Za-z]-){NUMBER_BODY}(?!\w|\.\d)")
PERCENT_AFTER = re.compile(r"\s*(?:\\?%|percent\b|per cent\b|(?:percentage )?points?\b)")
OUTPUT_NUMBER = re.compile(r"(?<![A-Za-z_])(?<![A-Za-z]-)\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
EXCEPTION = re.compile(r"<!--\s*prose-ok:\s*(?P<number>\S+)(?P<reason>.*?)-->", re.DOTALL)
# Spans that are not prose; blanked out (same length, so positions stay valid) before numbers are read.
NOT_PROSE = re.compile(
    r"<!--.*?-->|\]\([^)\s]*(?:\s+\"[^\"]*\")?\)|https?://\S+|<[^>\n]+>|&#?\w+;", re.DOTALL
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|\n\s*\n|\n\s*(?:[-*+]|\d+\.|#+|>|\|)\s")
TEXT_MIMETYPES = ("text/plain", "text/html", "text/markdown", "text/latex")


def _text(value):
    return "".join(value) if isinstance(value, list) else (value or "")


# --------------------------------------------------------------------------- numbers


class Stated:
    """A number as a markdown cell states it: ``text`` as written, its ``value``, ``half_ulp`` (half a
    unit in its last written place), ``significant`` digits and whether ``percent`` follows it."""

    def __init__(self, match, percent=False):
        self.text, self.start, self.end = match.group(0), match.start(), match.end()
        mantissa = re.sub(SEPARATOR, "", match["mantissa"])
        exponent = (match["exponent"] or "").replace("\u2212", "-")
        self.value = Decimal(mantissa + exponent)
        self.half_ulp = Decimal(1).scaleb(self.value.as_tuple().exponent) / 2
        digits = mantissa.replace(".", "").lstrip("0")
        self.significant = len(digits if "." in mantissa else digits.rstrip("0"))
        self.year = (
            not exponent
            and "." not in mantissa
            and match["mantissa"].isdigit()
            and len(mantissa) == 4
            and 1900 <= int(mantissa) <= 2099
        )
        self.percent = percent

    @property
    def checked(self):
        """Whether the rules check this number (enough significant digits, not a year)."""
        return self.significant >= MIN_SIGNIFICANT and not self.year


def blank_non_prose(markdown):
    """``markdown`` with comments, link targets, URLs, HTML tags and entities replaced by spaces."""
    return NOT_PROSE.sub(lambda match: re.sub(r"\S", " ", match.group(0)), markdown)


def stated_numbers(markdown):
    """Every number in the markdown text ``markdown`` as a :class:`Stated`, checked or not, in order."""
    prose = blank_non_prose(markdown)
    return [
        Stated(match, percent=bool(PERCENT_AFTER.match(prose, match.end())))
        for match in PROSE_NUMBER.finditer(prose)
    ]


def printed_numbers(text):
    """The numbers in output or code text ``text``, each as a ``Decimal`` that keeps its written precision.

    A number written with commas gives both readings: ``1,377`` is 1377, and also 1 and 377 (a list).
    Digits glued to a name (``float32``, ``SHA-256``) are not read; terminal colour codes are removed.
    """
    values = []
    for match in OUTPUT_NUMBER.finditer(ANSI_ESCAPE.sub("", text)):
        token = match.group(0)
        values.append(Decimal(token.replace(",", "")))
        if "," in token:
            values += [Decimal(part) for part in token.split(",")]
    return values


def notebook_texts(notebook):
    """``(markdown cells as [(index, source)], every printed or coded text of the code cells)``."""
    markdown, printed = [], []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "markdown":
            markdown.append((index, _text(cell["source"])))
        elif cell["cell_type"] == "code":
            printed.append(_text(cell["source"]))
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream":
                    printed.append(_text(output.get("text")))
                elif output.get("output_type") == "error":
                    printed.append(" ".join([output.get("evalue", "")] + output.get("traceback", [])))
                else:
                    data = output.get("data", {})
                    printed += [_text(data[mimetype]) for mimetype in TEXT_MIMETYPES if mimetype in data]
    return markdown, printed


class Printed:
    """The numbers printed by one notebook, searchable by value."""

    def __init__(self, texts):
        numbers = sorted(
            {(value, value.as_tuple().exponent) for text in texts for value in printed_numbers(text)}
        )
        self.values = [value for value, _ in numbers]
        self.exponents = [exponent for _, exponent in numbers]

    def _contains(self, low, high, exponent):
        """Whether a number in ``[low, high]`` is printed with its last digit at ``10**exponent`` or finer."""
        at = bisect_left(self.values, low)
        while at < len(self.values) and self.values[at] <= high:
            if self.exponents[at] <= exponent:
                return True
            at += 1
        return False

    def matches(self, stated):
        """Whether a number printed at least as precisely as ``stated`` rounds to it (for a percent, also a
        fraction: ``87.2 %`` matches ``0.872``)."""
        low, high = stated.value - stated.half_ulp, stated.value + stated.half_ulp
        exponent = stated.value.as_tuple().exponent
        return self._contains(low, high, exponent) or (
            stated.percent and self._contains(low / 100, high / 100, exponent - 2)
        )


# --------------------------------------------------------------------------- the check


def sentence_around(text, start, end, width=220):
    """The sentence of ``text`` holding ``text[start:end]``, on one line, shortened to about ``width``."""
    before = [match.end() for match in SENTENCE_END.finditer(text, 0, start)]
    after = SENTENCE_END.search(text, end)
    first, last = (before[-1] if before else 0), (after.start() if after else len(text))
    head = re.sub(r"\s+", " ", text[first:start]).lstrip()
    tail = re.sub(r"\s+", " ", text[end:last]).rstrip()
    room = max(width - (end - start), 40) // 2
    head = head if len(head) <= room else "…" + head[-room:]
    tail = tail if len(tail) <= room else tail[:room] + "…"
    return head + text[start:end] + tail


def problems_of(notebook):
    """``[(cell index, number as written, what is wrong)]`` for the notebook (a dict, as json gives it)."""
    markdown, printed_texts = notebook_texts(notebook)
    printed = Printed(printed_texts)
    problems = []
    for index, source in markdown:
        prose = blank_non_prose(source)
        stated = [number for number in stated_numbers(source) if number.checked]
        excused = {}
        for match in EXCEPTION.finditer(source):
            exception = PROSE_NUMBER.fullmatch(match["number"].rstrip(",;:"))
            if exception is None or not match["reason"].strip(" —–-:()\n"):
                problems.append(
                    (
                        index,
                        match["number"],
                        f"malformed exception {match.group(0)!r}: write <!-- prose-ok: NUMBER reason -->",
                    )
                )
                continue
            excused[Stated(exception).value] = exception.group(0)
        used = set()
        for number in stated:
            if printed.matches(number):
                continue
            if number.value in excused:
                used.add(number.value)
                continue
            problems.append((index, number.text, sentence_around(prose, number.start, number.end)))
        for value, written in excused.items():
            if value not in used:
                in_cell = any(number.value == value for number in stated)
                problems.append(
                    (
                        index,
                        written,
                        "prose-ok exception no longer needed: "
                        + (
                            "an output now matches it"
                            if in_cell
                            else "the cell states no checked number of this value"
                        ),
                    )
                )
    return problems


def _shown(path):
    path = Path(path)
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def report(path, problems):
    """The listing of ``problems`` (from :func:`problems_of`) for the notebook at ``path``."""
    lines = [
        f"{_shown(path)}: "
        f"{len(problems)} number(s) stated in the text match no output or code of the notebook "
        "(fix the sentence, or mark a literature figure with <!-- prose-ok: NUMBER reason -->):"
    ]
    lines += [f"  cell {index:>2}: {number:<10} {context}" for index, number, context in problems]
    return "\n".join(lines)


def check_notebook(path):
    with open(path, encoding="utf-8") as handle:
        return problems_of(json.load(handle))


@pytest.mark.parametrize("path", lesson_notebooks(ROOT / "notebooks"), ids=lambda path: path.stem)
def test_every_number_the_text_states_is_computed_in_the_notebook(path):
    problems = check_notebook(path)
    assert not problems, report(path, problems)


# --------------------------------------------------------------------------- the rules, on tiny notebooks


def notebook(markdown, *printed):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": markdown}]
    cells += [
        {
            "cell_type": "code",
            "metadata": {},
            "source": "",
            "execution_count": 1,
            "outputs": [{"output_type": "stream", "name": "stdout", "text": text}],
        }
        for text in printed
    ]
    return {"cells": cells}


def checked(markdown):
    return [number.text for number in stated_numbers(markdown) if number.checked]


def test_numbers_are_read_with_their_precision_and_separators():
    numbers = {
        number.text: number
        for number in stated_numbers(
            "Accuracy 0.8720 (87.2 %), 1,377 words, $3 \\cdot 64 = 37{,}248$, 2.6e-05, 9.5e+07, −436, 0.54."
        )
    }
    assert list(numbers) == [
        "0.8720",
        "87.2",
        "1,377",
        "3",
        "64",
        "37{,}248",
        "2.6e-05",
        "9.5e+07",
        "436",
        "0.54",
    ]
    assert numbers["0.8720"].significant == 4 and numbers["0.8720"].half_ulp == Decimal("0.00005")
    assert numbers["37{,}248"].value == 37248 and numbers["2.6e-05"].half_ulp == Decimal("0.05e-05")
    assert numbers["87.2"].percent and not numbers["0.8720"].percent
    assert [number.significant for number in numbers.values()] == [4, 3, 4, 1, 2, 5, 2, 2, 3, 2]


def test_names_years_round_counts_and_links_are_not_checked():
    assert (
        checked(
            "float32 and glove.6B.50d, SHA-256, Conv1D, the 2nd epoch, TensorFlow 2.16.1, "
            "Maas et al., 2011; 20,000 reviews, 400 words, 0.50, 1.0"
        )
        == []
    )
    assert checked(
        'See [notebook 01](01_grads.ipynb) or https://arxiv.org/abs/1504.00941 <b id="x123">'
        "&#8212; 0.500</b> and `Embedding(10000, 128)`"
    ) == ["0.500", "128"]


@pytest.mark.parametrize(
    "stated, printed, ok",
    [
        ("test accuracy 0.872.", "acc 0.8720", True),
        ("test accuracy 0.872.", "acc 0.87204", True),
        ("test accuracy 0.872.", "acc 0.87251", False),
        ("test accuracy 0.872.", "acc 0.87", False),
        ("norm 6.947e-05 at 0.9", "6.94712e-05", True),
        ("norm 6.947e-05 at 0.9", "0.0000694712", True),
        ("It has 1,377 words.", "1377 words", True),
        ("It has 37{,}248 parameters.", "Total params: 37,248 (145.50 KB)", True),
        ("It scores 87.2 % here.", "0.8720", True),
        ("It wins by +3.51 points.", "gap 0.0351", True),
        ("It scores 87.2 here.", "0.8720", False),
        ("Half of them (0.500).", "threshold 0.5", False),
        ("It took 256 updates.", "checked against its SHA-256", False),
        ("It has 18,816 parameters.", "\x1b[38;5;34m18,816\x1b[0m", True),
        ("from −436 to 575.", "min -436.0 max 575.0", True),
    ],
)
def test_a_stated_number_matches_a_printed_one_at_its_precision(stated, printed, ok):
    assert (problems_of(notebook(stated, printed)) == []) is ok


def test_code_and_rich_outputs_count_as_printed():
    nb = notebook("Keras prints 18,816 and 338,881; the loss is 16.1181.")
    nb["cells"].append(
        {
            "cell_type": "code",
            "metadata": {},
            "source": "units = 18816",
            "execution_count": 2,
            "outputs": [
                {
                    "output_type": "execute_result",
                    "execution_count": 2,
                    "metadata": {},
                    "data": {"text/html": "<td>338,881</td>", "image/png": "16.1181"},
                }
            ],
        }
    )
    assert problems_of(nb) == [(0, "16.1181", "Keras prints 18,816 and 338,881; the loss is 16.1181.")]


def test_unmatched_numbers_are_listed_with_cell_and_sentence():
    text = "## Results\n\nThe GRU scores 0.8720. The SimpleRNN scores\n0.8374 on the same reviews. Done."
    problems = problems_of(notebook(text, "gru 0.8720"))
    assert problems == [(0, "0.8374", "The SimpleRNN scores 0.8374 on the same reviews.")]
    assert "cell  0: 0.8374     The SimpleRNN scores 0.8374 on the same reviews." in report(
        "nb.ipynb", problems
    )


def test_exceptions_excuse_one_number_in_their_cell_and_must_stay_needed():
    cited = "Le et al. report 0.167 <!-- prose-ok: 0.167 the MSE of predicting 1.0, computed in the text -->."
    assert problems_of(notebook(cited, "nothing")) == []
    assert problems_of(notebook(cited + " We get 0.168.", "0.168")) == []
    unneeded = problems_of(notebook(cited, "0.167"))
    assert unneeded == [(0, "0.167", "prose-ok exception no longer needed: an output now matches it")]
    gone = problems_of(notebook("No number. <!-- prose-ok: 0.167 cited -->", ""))
    assert gone == [
        (0, "0.167", "prose-ok exception no longer needed: the cell states no checked number of this value")
    ]
    malformed = problems_of(notebook("It is 0.167 <!-- prose-ok: 0.167 -->", ""))
    assert [problem[2].startswith("malformed exception") for problem in malformed] == [True, False]


# --------------------------------------------------------------------------- as a script


def main(paths):
    total = 0
    for path in [Path(path).resolve() for path in paths] or lesson_notebooks(ROOT / "notebooks"):
        problems = check_notebook(path)
        total += len(problems)
        print(report(path, problems) if problems else f"{_shown(path)}: every stated number is printed")
        print()
    print(f"{total} unmatched number(s)")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
