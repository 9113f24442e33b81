"""A real two-node Ray cluster on loopback: an analysis spreads over both nodes and gives what one process gives.

Two `ray start` nodes (a head and a worker, one CPU each) run on this machine, as two machines of
a cluster would; the analysis command connects through RAY_ADDRESS like the rq worker does.
"""

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from emotion_site.stack import free_port, port_open

from .conftest import VIDEOS

ROOT = Path(__file__).resolve().parents[1]
RAY = Path(sys.executable).with_name("ray")
pytestmark = pytest.mark.slow


def ray_node(env: dict, *arguments: str) -> subprocess.Popen:
    command = [str(RAY), "start", "--block", "--num-cpus", "1", "--disable-usage-stats", *arguments]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def two_node_cluster():
    port = free_port()
    env = {
        **os.environ,
        # Only holders of this token may use the cluster; explicit, as Ray turns it on by itself
        # when ~/.ray/auth_token exists.
        "RAY_AUTH_MODE": "token",
        "RAY_AUTH_TOKEN": secrets.token_hex(32),
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",
    }
    with tempfile.TemporaryDirectory(prefix="ray-", dir="/tmp") as temp_dir:
        head = ray_node(
            env,
            "--head",
            "--port",
            str(port),
            "--include-dashboard=false",
            "--temp-dir",
            temp_dir,
            "--object-store-memory",
            str(256 * 1024 * 1024),
            "--ray-client-server-port",
            str(free_port()),
            "--dashboard-agent-listen-port",
            str(free_port()),
        )
        nodes = [head]
        try:
            address = f"127.0.0.1:{port}"
            wait_for_port(port, head)
            nodes.append(
                ray_node(
                    env,
                    "--address",
                    address,
                    "--object-store-memory",
                    str(256 * 1024 * 1024),
                    "--dashboard-agent-listen-port",
                    str(free_port()),
                )
            )
            wait_for_nodes(env, address, 2)
            yield {**env, "RAY_ADDRESS": address}
        finally:
            for node in reversed(nodes):
                node.terminate()
            for node in reversed(nodes):
                try:
                    node.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    node.kill()


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    for _ in range(600):
        assert process.poll() is None, "the Ray head exited while starting"
        if port_open(port):
            return
        time.sleep(0.1)
    raise AssertionError("the Ray head did not start within 60 s")


def wait_for_nodes(env: dict, address: str, count: int) -> None:
    script = "import ray; ray.init(address=%r, log_to_driver=False); print(len([n for n in ray.nodes() if n['Alive']]))"
    for _ in range(60):
        alive = subprocess.run([sys.executable, "-c", script % address], env=env, capture_output=True, text=True)
        if alive.stdout.strip() == str(count):
            return
        time.sleep(1)
    raise AssertionError(f"the cluster did not reach {count} nodes: {alive.stdout} {alive.stderr[-500:]}")


def analyse(env: dict, out: Path, *options: str) -> str:
    command = [sys.executable, "manage.py", "analyze_video", str(VIDEOS / "WolfgangLanger_Pexels.mp4")]
    done = subprocess.run(
        [*command, "--json", str(out), "--verbosity", "0", *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_an_analysis_runs_on_both_nodes_and_matches_one_process(two_node_cluster, tmp_path):
    clustered = analyse(two_node_cluster, tmp_path / "cluster.json")
    local_env = {key: value for key, value in two_node_cluster.items() if key != "RAY_ADDRESS"}
    analyse(local_env, tmp_path / "local.json", "--no-ray")

    assert re.search(r"\b2 worker node\(s\)", clustered), clustered
    on_cluster = json.loads((tmp_path / "cluster.json").read_text())["persons"]
    one_process = json.loads((tmp_path / "local.json").read_text())["persons"]
    assert len(on_cluster) == len(one_process) == 1
    samples, reference = on_cluster[0]["samples"], one_process[0]["samples"]
    assert [s["t"] for s in samples] == [s["t"] for s in reference]
    assert [s["box"] for s in samples] == [s["box"] for s in reference]
    assert np.allclose([s["p"] for s in samples], [s["p"] for s in reference], atol=1e-4)
