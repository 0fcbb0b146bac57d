"""A learner's GloVe text is parsed once: later loads memory-map its checksummed binary cache."""

import os
import zipfile

import numpy as np
import pyarrow as pa
import pytest

from rnncourse import glove

TINY = {"the": [0.1, 0.2, 0.3], "king": [0.9, 0.8, 0.1], "queen": [0.9, 0.1, 0.8]}


@pytest.fixture()
def user_text(tmp_path, monkeypatch):
    """``data/glove.6B.100d.txt`` (three 3-d vectors) in a course root under ``tmp_path``."""
    monkeypatch.setenv("RNNCOURSE_ROOT", str(tmp_path))
    monkeypatch.delenv("RNNCOURSE_CACHE", raising=False)
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "glove.6B.100d.txt"
    path.write_text("".join(f"{w} {' '.join(map(str, v))}\n" for w, v in TINY.items()))
    return path


def parses(monkeypatch):
    """A list that grows by one each time a GloVe text is parsed."""
    calls, real = [], glove._read_text
    monkeypatch.setattr(glove, "_read_text", lambda *a, **k: calls.append(a) or real(*a, **k))
    return calls


def test_second_load_reads_the_binary_cache_memory_mapped(user_text, monkeypatch):
    calls = parses(monkeypatch)
    first = glove.load_glove_vectors("glove.6B.100d")
    second = glove.load_glove_vectors("glove.6B.100d")
    assert len(calls) == 1 and isinstance(second.vectors, np.memmap)
    assert second.words == first.words == list(TINY)
    np.testing.assert_array_equal(second.vectors, first.vectors)


def test_changed_text_is_parsed_again(user_text, monkeypatch):
    glove.load_glove_vectors("glove.6B.100d")
    user_text.write_text(user_text.read_text() + "man 0.5 0.9 0.0\n")
    calls = parses(monkeypatch)
    assert glove.load_glove_vectors("glove.6B.100d").words == [*TINY, "man"] and len(calls) == 1


def test_damaged_cache_is_rebuilt_with_a_warning(user_text, tmp_path):
    glove.load_glove_vectors("glove.6B.100d")
    cached = tmp_path / "data" / "cache" / "glove.6B.100d.txt.vectors.npy"
    good = cached.read_bytes()
    cached.write_bytes(good[:-4] + b"\0\0\0\0")
    with pytest.warns(
        RuntimeWarning, match=r"glove\.6B\.100d\.txt\.vectors\.npy: the binary cache .* damaged"
    ):
        vectors = glove.load_glove_vectors("glove.6B.100d")
    np.testing.assert_array_equal(vectors["queen"], np.float32(TINY["queen"]))
    assert cached.read_bytes() == good


def test_text_from_the_full_zip_is_extracted_once(user_text, tmp_path, monkeypatch):
    with zipfile.ZipFile(tmp_path / "data" / "glove.6B.zip", "w") as archive:
        archive.write(user_text, "glove.6B.300d.txt")
    os.remove(user_text)
    calls = parses(monkeypatch)
    for _ in range(2):
        assert glove.load_glove_vectors("glove.6B.300d").words == list(TINY)
    assert len(calls) == 1


def cache_file(tmp_path, part):
    return tmp_path / "data" / "cache" / f"glove.6B.100d.txt.{part}"


def record_written_later(tmp_path, seconds=5):
    """Date the cache's record ``seconds`` after its vectors file, as a record written in a later
    clock tick than the vectors is (a test writes both within one tick)."""
    vectors = cache_file(tmp_path, "vectors.npy").stat().st_mtime_ns
    os.utime(cache_file(tmp_path, "sha256.json"), ns=(vectors, vectors + seconds * 10**9))


def damage_keeping_the_mtime(path):
    """Change the last vector's bytes in place, then put back the file's modification time."""
    stat = path.stat()
    path.write_bytes(path.read_bytes()[:-4] + b"\0\0\0\0")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def hashed_files(monkeypatch):
    """The names of the files whose vectors the cache hashes in full, in order."""
    names, real = [], glove._vectors_sha256
    monkeypatch.setattr(
        glove, "_vectors_sha256", lambda path, offset: names.append(path.name) or real(path, offset)
    )
    return names


def test_repeat_read_hashes_the_vectors_only_when_asked_or_their_file_changed(
    user_text, tmp_path, monkeypatch
):
    glove.load_glove_vectors("glove.6B.100d")
    record_written_later(tmp_path)
    hashed, calls = hashed_files(monkeypatch), parses(monkeypatch)
    assert isinstance(glove.load_glove_vectors("glove.6B.100d").vectors, np.memmap) and hashed == []
    full = glove.read_glove_cached(user_text, verify="full")
    assert hashed == ["glove.6B.100d.txt.vectors.npy"] and full.words == list(TINY) and calls == []
    vectors = cache_file(tmp_path, "vectors.npy")
    os.utime(vectors, ns=(0, vectors.stat().st_mtime_ns + 1))  # touched: hashed, found intact, used
    assert glove.load_glove_vectors("glove.6B.100d").words == list(TINY) and len(hashed) == 2 and calls == []


def test_damage_in_the_same_clock_tick_as_the_record_is_caught(user_text, tmp_path):
    glove.load_glove_vectors("glove.6B.100d")
    record_written_later(tmp_path, seconds=0)  # vectors and record share a modification time
    damage_keeping_the_mtime(cache_file(tmp_path, "vectors.npy"))
    with pytest.warns(RuntimeWarning, match="damaged"):
        vectors = glove.load_glove_vectors("glove.6B.100d")
    np.testing.assert_array_equal(vectors["queen"], np.float32(TINY["queen"]))


def test_damage_that_keeps_size_and_mtime_is_caught_by_full_verification(user_text, tmp_path, monkeypatch):
    glove.load_glove_vectors("glove.6B.100d")
    record_written_later(tmp_path)
    damage_keeping_the_mtime(cache_file(tmp_path, "vectors.npy"))
    calls = parses(monkeypatch)
    glove.load_glove_vectors("glove.6B.100d")  # the default check does not read the vectors
    assert calls == []
    with pytest.warns(RuntimeWarning, match="damaged"):
        rebuilt = glove.read_glove_cached(user_text, verify="full")
    assert len(calls) == 1
    np.testing.assert_array_equal(rebuilt["queen"], np.float32(TINY["queen"]))


@pytest.mark.parametrize(
    ("part", "damage"),
    [
        ("vectors.npy", lambda data: data[:-4]),  # truncated
        ("vectors.npy", lambda data: data.replace(b"(3, 3)", b"(1, 9)")),  # header: another shape
        ("words.json", lambda data: data.replace(b"king", b"kong")),
    ],
    ids=["truncated vectors", "changed header", "changed words"],
)
def test_damaged_part_of_the_cache_is_rebuilt_never_used(user_text, tmp_path, monkeypatch, part, damage):
    glove.load_glove_vectors("glove.6B.100d")
    record_written_later(tmp_path)
    path = cache_file(tmp_path, part)
    good = path.read_bytes()
    assert damage(good) != good
    path.write_bytes(damage(good))
    calls = parses(monkeypatch)
    with pytest.warns(RuntimeWarning, match="damaged"):
        assert glove.load_glove_vectors("glove.6B.100d").words == list(TINY)
    assert len(calls) == 1 and path.read_bytes() == good


def test_text_replaced_by_one_of_the_same_size_is_parsed_again(user_text, monkeypatch):
    glove.load_glove_vectors("glove.6B.100d")
    stat = user_text.stat()
    user_text.write_text(user_text.read_text().replace("king", "kong"))
    os.utime(user_text, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    calls = parses(monkeypatch)
    assert glove.load_glove_vectors("glove.6B.100d").words == ["the", "kong", "queen"] and len(calls) == 1


def test_cache_of_another_layout_is_rebuilt_without_a_warning(user_text, tmp_path, monkeypatch, recwarn):
    glove.load_glove_vectors("glove.6B.100d")
    record = cache_file(tmp_path, "sha256.json")
    record.write_text(record.read_text().replace('"format": 3', '"format": 2'))
    calls = parses(monkeypatch)
    assert glove.load_glove_vectors("glove.6B.100d").words == list(TINY) and len(calls) == 1
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_cache_folder_can_be_chosen(user_text, tmp_path):
    folder = tmp_path / "elsewhere"
    glove.read_glove_cached(user_text, cache=folder)
    assert sorted(p.name for p in folder.iterdir()) == [
        "glove.6B.100d.txt.sha256.json",
        "glove.6B.100d.txt.vectors.npy",
        "glove.6B.100d.txt.words.json",
    ]
    assert not (tmp_path / "data" / "cache").exists()
    assert isinstance(glove.read_glove_cached(user_text, cache=folder).vectors, np.memmap)
    with pytest.raises(ValueError, match=r"verify='quick': use 'fast' .* or 'full'"):
        glove.read_glove_cached(user_text, cache=folder, verify="quick")


def numbered_text(lines, dim=4):
    """A GloVe text of ``lines`` words ``w0, w1, ...`` whose values are distinct short decimals."""
    return "".join(
        f"w{i} " + " ".join(f"{(i * dim + j) / 1000 - 1:.3f}" for j in range(dim)) + "\n"
        for i in range(lines)
    )


@pytest.mark.parametrize("workers", [None, 1, 2, 3])
def test_first_read_writes_the_cache_block_by_block_as_it_parses(tmp_path, workers):
    path = tmp_path / "glove.blocks.4d.txt"
    path.write_text(numbered_text(500))
    text = glove.read_glove_text(path, progress=False)
    first = glove.read_glove_cached(path, cache=tmp_path / "cache", workers=workers, block_bytes=256)
    again = glove.read_glove_cached(path, cache=tmp_path / "cache", verify="full")
    assert first.words == again.words == text.words and isinstance(first.vectors, np.memmap)
    np.testing.assert_array_equal(first.vectors, text.vectors)
    np.testing.assert_array_equal(again.vectors, text.vectors)
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [
        f"glove.blocks.4d.txt.{part}" for part in ("sha256.json", "vectors.npy", "words.json")
    ]


def test_the_vectors_file_is_what_numpy_saves(tmp_path):
    path = tmp_path / "glove.blocks.4d.txt"
    path.write_text(numbered_text(300))
    glove.read_glove_cached(path, cache=tmp_path / "cache", block_bytes=256)
    saved = tmp_path / "saved.npy"
    np.save(saved, glove.read_glove_text(path, progress=False).vectors)
    assert (tmp_path / "cache" / "glove.blocks.4d.txt.vectors.npy").read_bytes() == saved.read_bytes()


def test_text_read_line_by_line_is_cached_too(tmp_path, monkeypatch):
    path = tmp_path / "glove.odd.2d.txt"
    path.write_bytes(b"the 1 2\nof\t3 4\n")  # a tab: only the line-by-line reader takes it
    first = glove.read_glove_cached(path, cache=tmp_path / "cache")
    calls = parses(monkeypatch)
    again = glove.read_glove_cached(path, cache=tmp_path / "cache", verify="full")
    assert first.words == again.words == ["the", "of"] and calls == []
    np.testing.assert_array_equal(again.vectors, np.float32([[1, 2], [3, 4]]))


def test_cache_that_cannot_be_written_still_gives_the_vectors(tmp_path):
    path = tmp_path / "glove.blocks.4d.txt"
    path.write_text(numbered_text(50))
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the cache folder would go")
    vectors = glove.read_glove_cached(path, cache=not_a_folder / "inside")
    assert vectors.words == [f"w{i}" for i in range(50)]
    np.testing.assert_array_equal(vectors.vectors, glove.read_glove_text(path, progress=False).vectors)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("w480 0.1 0.2 0.3", r"line 481: expected a word and 4 numbers, found 3"),
        ("w480 0.1 0.2 0.3 inf", r"line 481: 'inf' is not a finite"),
        ("w7 0.1 0.2 0.3 0.4", r"line 481: the word 'w7' is already on line 8"),
    ],
)
def test_bad_line_in_a_later_piece_is_named_and_nothing_cached(tmp_path, line, message):
    lines = numbered_text(500).splitlines()
    lines[480] = line
    path = tmp_path / "glove.blocks.4d.txt"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(glove.GloveFormatError, match=message):
        glove.read_glove_cached(path, cache=tmp_path / "cache", workers=2, block_bytes=256)
    assert list((tmp_path / "cache").glob("*")) == []


def test_text_is_parsed_in_pieces_only_on_idle_cores(monkeypatch):
    monkeypatch.setattr(glove.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert glove._idle_cores() == min(4, pa.cpu_count())
    monkeypatch.setattr(glove.os, "getloadavg", lambda: (64.0, 64.0, 64.0))
    assert glove._idle_cores() == 1
