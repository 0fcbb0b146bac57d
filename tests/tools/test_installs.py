"""The install tests' record: CI reruns `make test-pip` / `make test-compat` only when the files that
decide the install changed since a passing run recorded their digest."""

from rnncourse.tools import installs


def tiny_repository(root):
    for name in installs.INSTALL_FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"contents of {name}\n")
    return root


def test_digest_changes_with_any_install_file(tmp_path):
    root = tiny_repository(tmp_path)
    before = installs.install_files_digest(root)
    assert installs.install_files_digest(root) == before
    (root / "binder" / "postBuild").write_text("something else\n")
    assert installs.install_files_digest(root) != before


def test_a_matching_record_skips_the_run(tmp_path, monkeypatch, capsys):
    root = tiny_repository(tmp_path)
    (root / ".ci").mkdir()
    monkeypatch.setattr(installs, "ROOT", root)
    monkeypatch.setattr(installs, "install_files_digest", lambda root=root: "abc123")
    installs.record_path("compat").write_text("abc123  passed 2026-12-01\n")
    ran = []
    monkeypatch.setattr(installs, "test_compat", lambda python, work: ran.append(work))
    installs.main(["compat", "--if-changed"])
    assert not ran and "skipped" in capsys.readouterr().out


def test_a_stale_record_runs_the_check_and_a_pass_rewrites_it(tmp_path, monkeypatch):
    root = tiny_repository(tmp_path)
    (root / ".ci").mkdir()
    monkeypatch.setattr(installs, "ROOT", root)
    monkeypatch.setattr(installs, "install_files_digest", lambda root=root: "new")
    installs.record_path("pip").write_text("old  passed 2026-11-01\n")
    ran = []
    monkeypatch.setattr(installs, "test_pip", lambda python, work: ran.append(work))
    try:
        installs.main(["pip", "--if-changed"])
    except SystemExit as stop:
        assert stop.code == 0
    assert ran and installs.recorded_digest("pip") == "new"
