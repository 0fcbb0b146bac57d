"""Fixtures of the browser test: a private JupyterLab server and headless Chromium driven by Selenium.

Nothing is installed or downloaded here: Chromium and chromedriver come from the system packages
(`apt-get install chromium chromium-driver`), Selenium's driver manager is switched off
(`SE_OFFLINE`, explicit driver path). Every process the fixtures start is stopped by its process id:
the JupyterLab server's process group, the kernels it started, chromedriver and Chromium.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from rnncourse.paths import repo_root

CHROMIUM = Path(os.environ.get("RNNCOURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("RNNCOURSE_CHROMEDRIVER", "/usr/bin/chromedriver"))
ARTIFACTS = repo_root() / "build" / "browser-artifacts"
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-default-apps",
    "--disable-extensions",
    "--window-size=1400,1000",
)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process, timeout=15):
    """Stop ``process`` and its process group (SIGTERM, then SIGKILL)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout)


def _kill_by_pid(pids):
    """SIGTERM, then SIGKILL, each of ``pids`` still running (their process groups where they lead one)."""
    alive = []
    for pid in pids:
        try:
            process = psutil.Process(pid)
            process.terminate()
            alive.append(process)
        except psutil.NoSuchProcess:
            pass
    _, left = psutil.wait_procs(alive, timeout=10)
    for process in left:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def _processes_using(marker):
    """Process ids whose command line mentions ``marker`` (our private runtime folder), but not us."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        try:
            if process.pid != os.getpid() and any(marker in part for part in process.info["cmdline"] or ()):
                found.append(process.pid)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


class Lab:
    """A running JupyterLab server: ``url(path)`` with the token, ``api(path, method)`` for its REST API."""

    def __init__(self, port, token, root, process, runtime):
        self.port, self.token, self.root, self.process, self.runtime = port, token, root, process, runtime

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}?token={self.token}"

    def api(self, path, method="GET"):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/{path.lstrip('/')}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None


@pytest.fixture(scope="session", autouse=True)
def fresh_artifacts():
    """build/browser-artifacts/ holds this run's screenshots and logs only."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)


@pytest.fixture(scope="session")
def browser_binaries():
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: install the system packages first, e.g. "
            f"`apt-get install -y chromium chromium-driver` (the test downloads nothing)."
        )
    return CHROMIUM, CHROMEDRIVER


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """JupyterLab on a copy of exercises/ (as `make lab` opens it), headless, on 127.0.0.1 with a token."""
    yield from _serve(tmp_path_factory, "exercises")


@pytest.fixture(scope="session")
def lesson_lab(tmp_path_factory):
    """JupyterLab on a copy of the lesson notebooks (notebooks/), as `lab` does it."""
    yield from _serve(tmp_path_factory, "notebooks")


def _serve(tmp_path_factory, folder):
    """Start JupyterLab on a copy of the repository's ``folder``, yield it as a :class:`Lab`, stop it."""
    home = tmp_path_factory.mktemp("lab")
    root = home / folder
    shutil.copytree(repo_root() / folder, root)  # the learner's edits must not touch the repository
    runtime = home / "runtime"
    port, token = _free_port(), secrets.token_hex(24)
    environment = dict(
        os.environ,
        JUPYTER_RUNTIME_DIR=str(runtime),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
    )
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--ServerApp.open_browser=False",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = open(ARTIFACTS / f"jupyterlab-{folder}.log", "w")  # noqa: SIM115 - closed in the teardown
    process = subprocess.Popen(
        command, cwd=root, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = Lab(port, token, root, process, runtime)
    try:
        deadline = time.time() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with code {process.returncode}; see {ARTIFACTS / f'jupyterlab-{folder}.log'}"
                )
            try:
                server.api("api/status")
                break
            except OSError:
                if time.time() > deadline:
                    pytest.fail(
                        f"JupyterLab did not answer within 90 s; see {ARTIFACTS / f'jupyterlab-{folder}.log'}"
                    )
                time.sleep(0.5)
        yield server
    finally:
        kernels = []
        try:
            kernels = server.api("api/kernels") or []
            for kernel in kernels:
                server.api(f"api/kernels/{kernel['id']}", method="DELETE")
        except OSError:
            pass
        _stop(process)
        _kill_by_pid(_processes_using(str(runtime)))  # kernels run in their own sessions
        log.close()


@pytest.fixture
def driver(browser_binaries, tmp_path, request):
    """Headless Chromium with a fresh profile and performance (network) logs; a screenshot of the page
    is kept in build/browser-artifacts/ when the test fails."""
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must not look anything up
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = browser_binaries
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = Service(executable_path=str(chromedriver), log_output=str(tmp_path / "chromedriver.log"))
    browser = webdriver.Chrome(service=service, options=options)
    try:
        yield browser
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
            try:
                browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))
                (ARTIFACTS / f"{name}.txt").write_text(
                    browser.execute_script("return document.body.innerText")
                )
            except Exception as error:  # noqa: BLE001 - the page may be gone
                print(f"no screenshot: {error}")
        pid = service.process.pid if service.process else None
        try:
            browser.quit()
        finally:
            if pid is not None:
                _kill_by_pid([pid])
            _kill_by_pid(_processes_using(str(tmp_path / "profile")))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.report_call = report
    return report
