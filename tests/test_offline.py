"""No network at run time: building an index and answering opens no non-loopback socket."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from articleqa.offline import NO_TELEMETRY_ENV, OFFLINE_ENV

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import ipaddress, json, os, sys

    attempts = []

    def is_loopback(host):
        if host in (None, "", "localhost"):
            return True
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            return False

    def hook(event, args):
        if event == "socket.getaddrinfo" and not is_loopback(args[0]):
            attempts.append([event, str(args[0])])
        elif event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else None
            if isinstance(address, tuple) and not is_loopback(host):
                attempts.append([event, str(address)])

    sys.addaudithook(hook)
    offline_before = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    from articleqa import Assistant
    qa = Assistant.build([sys.argv[1]], index_dir=sys.argv[2])
    answer = qa.ask("Where will the US and Iranian officials meet?")
    print(json.dumps({"attempts": attempts, "answer": answer.text, "before": offline_before,
                      "after": {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}}))
    """
)


@pytest.mark.slow
def test_building_and_asking_opens_no_network_connection(tmp_path):
    env = _clean_env(tmp_path)
    script = tmp_path / "probe.py"
    script.write_text(SCRIPT)
    result = subprocess.run(
        [sys.executable, str(script), str(ROOT / "articles"), str(tmp_path / "idx")],
        capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["before"] == {"HF_HUB_OFFLINE": None, "TRANSFORMERS_OFFLINE": None}
    assert report["after"] == {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    assert report["attempts"] == [], f"network use at run time: {report['attempts']}"
    assert "Oman" in report["answer"] or "Muscat" in report["answer"]
    assert _telemetry_files(tmp_path) == [], "onnxruntime kept a device id / event queue for upload"


def _clean_env(tmp_path: Path) -> dict[str, str]:
    """This process's environment without what articleqa's import set, and a fresh home and cache."""
    env = {k: v for k, v in os.environ.items()
           if k not in OFFLINE_ENV and k not in NO_TELEMETRY_ENV and not k.startswith("ARTICLEQA_")}
    env.pop("TIKTOKEN_CACHE_DIR", None)
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # a fresh cache: tiktoken's data must come from the package
    env["HOME"] = str(tmp_path / "home")
    return env


def _telemetry_files(tmp_path: Path) -> list[str]:
    """What onnxruntime's usage reporting (1DS) leaves: a device id and a queue of events to upload."""
    return sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")
                  if p.is_file() and "Microsoft" in p.parts)


ORT_SESSION = textwrap.dedent(
    """
    import sys
    if sys.argv[1] == "articleqa":
        import articleqa  # noqa: F401
    import numpy as np, onnxruntime as ort
    from onnx import TensorProto, helper
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    print(session.run(None, {"x": np.array([1.0], np.float32)})[0][0])
    """
)


@pytest.mark.parametrize("first_import", ["articleqa", "onnxruntime alone"])
def test_onnxruntime_usage_reporting_is_off_once_articleqa_is_imported(tmp_path: Path, first_import: str) -> None:
    """onnxruntime 1.32 on Linux uploads usage events to Microsoft (a DNS lookup of mobile.events.data.microsoft.com
    ~1 min after the first session, seen with strace): native sockets the audit hook above cannot see. Its
    footprint on disk can be seen, and the plain onnxruntime run shows this check would fail."""
    script = tmp_path / "session.py"
    script.write_text(ORT_SESSION)
    result = subprocess.run([sys.executable, str(script), first_import.split()[0]], capture_output=True, text=True,
                            env=_clean_env(tmp_path), timeout=120, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == "1.0", result.stderr[-2000:]
    if first_import == "articleqa":
        assert _telemetry_files(tmp_path) == []
    elif not any(name.endswith("deviceid") for name in _telemetry_files(tmp_path)):
        # Seen on the CI machine: the same wheel kept no device id there (why is not visible from outside the
        # binary), so the control has nothing to show; the articleqa case above still holds on its own.
        pytest.skip("onnxruntime kept no device id here even without ORT_DISABLE_TELEMETRY: nothing to contrast")


def test_the_audit_hook_would_see_a_connection_attempt(tmp_path):
    """The guard above is only worth something if it can fail: a real lookup must be recorded."""
    probe = SCRIPT.split("offline_before")[0] + textwrap.dedent(
        """
        import socket
        try:
            socket.getaddrinfo("example.invalid", 80)
        except OSError:
            pass
        print(json.dumps(attempts))
        """
    )
    script = tmp_path / "probe.py"
    script.write_text(probe)
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [["socket.getaddrinfo", "example.invalid"]]
