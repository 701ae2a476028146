"""Run deploy/compose.yaml for real and check scale-out (``./run.sh compose-test``; tests/deploy, heavy).

Three replicas + Redis + HAProxy on the host network (free loopback ports). Checks and measures:
* shared cache: every text synthesized on replica A is an ``X-Cache: hit`` on replicas B and C;
* failover: sequential requests through the balancer while replica A is killed (SIGKILL) between two of
  them: failed requests must be 0;
* drain: ``compose down`` while requests are in flight through the balancer: every one completes.
Needs the service image (``deploy/image_test.py`` builds it as shengqing:test) and Debian's docker-compose.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dockerctl import IMAGE_TAG, ROOT, build_image, docker_daemon, ensure_base, free_port, log, wait_ready

COMPOSE_FILE = ROOT / "deploy" / "compose.yaml"
TEXTS = ["今天天气很好。", "欢迎使用语音合成服务。", "我们下午三点开会。", "请注意安全。", "谢谢你的帮助！",
         "明天见。", "这本书很有意思。", "火车晚点了十分钟。", "你吃饭了吗？", "祝你生日快乐！"]


def compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    raise RuntimeError("neither docker-compose (Debian package) nor the docker compose plugin is installed")


class Stack:
    def __init__(self, base: str) -> None:
        self.ports = {name: free_port() for name in ("PORT_A", "PORT_B", "PORT_C", "LB_PORT", "REDIS_PORT")}
        self.env = {**os.environ, **{k: str(v) for k, v in self.ports.items()}, "BASE": base,
                    "SHENGQING_IMAGE": IMAGE_TAG, "SHENGQING_THREADS": "1", "SHENGQING_CONCURRENCY": "1"}
        self.project = f"shengqing-test-{self.ports['LB_PORT']}"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def compose(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        command = [*compose_command(), "-f", str(COMPOSE_FILE), "-p", self.project, *args]
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command[-len(args):])} failed: {result.stderr[-2000:]}")
        return result


def _tts(client: httpx.Client, url: str, text: str, **headers: str) -> httpx.Response:
    return client.post(f"{url}/tts", json={"text": text, "format": "wav"}, headers=headers)


def shared_cache(stack: Stack, client: httpx.Client) -> dict[str, Any]:
    misses_on_a, hits = 0, 0
    for text in TEXTS:
        first = _tts(client, stack.url("PORT_A"), text)
        assert first.status_code == 200, first.text[:200]
        misses_on_a += first.headers["x-cache"] == "miss"
        for other in ("PORT_B", "PORT_C"):
            again = _tts(client, stack.url(other), text)
            assert again.status_code == 200 and again.content == first.content
            hits += again.headers["x-cache"] == "hit"
    return {"texts": len(TEXTS), "misses_on_a": misses_on_a, "hits_on_b_and_c": hits,
            "hit_ratio": hits / (2 * len(TEXTS))}


def failover(stack: Stack, client: httpx.Client, requests: int = 30) -> dict[str, Any]:
    statuses: list[int] = []
    killed_at = requests // 3
    for index in range(requests):
        if index == killed_at:
            stack.compose("kill", "-s", "SIGKILL", "replica-a")
        text = f"第{index}次请求，测试故障切换。"
        try:
            statuses.append(_tts(client, stack.url("LB_PORT"), text, **{"Cache-Control": "no-store"}).status_code)
        except httpx.HTTPError:
            statuses.append(0)
    failed = sum(1 for s in statuses if s != 200)
    return {"requests": requests, "killed_before_request": killed_at, "failed": failed,
            "statuses": sorted(set(statuses))}


def drain(stack: Stack, in_flight: int = 3) -> dict[str, Any]:
    results: list[int] = []
    answered: list[float] = []
    lock = threading.Lock()

    def request(index: int) -> None:
        text = f"第{index}个请求正在合成，服务在此期间被停止，但这个请求仍然应该完整地返回。"
        try:
            status = httpx.post(f"{stack.url('LB_PORT')}/tts", json={"text": text, "format": "pcm"},
                                headers={"Cache-Control": "no-store"}, timeout=120, trust_env=False).status_code
        except httpx.HTTPError:
            status = 0
        with lock:
            results.append(status)
            answered.append(time.monotonic())

    workers = [threading.Thread(target=request, args=(i,)) for i in range(in_flight)]
    for worker in workers:
        worker.start()
    time.sleep(0.5)
    started = time.monotonic()
    stack.compose("down", "--timeout", "60")
    down_seconds = time.monotonic() - started
    for worker in workers:
        worker.join(timeout=180)
    # answered after `down` began: the requests really were in flight when the stack was stopped
    after = sorted(round(t - started, 2) for t in answered)
    return {"in_flight": in_flight, "completed_200": results.count(200), "statuses": sorted(results),
            "answered_after_down_began_seconds": after, "down_seconds": round(down_seconds, 1)}


def run(base: str | None, build: bool) -> dict[str, Any]:
    image_base = ensure_base(base)
    if build or subprocess.run(["docker", "image", "inspect", IMAGE_TAG], capture_output=True).returncode:
        build_image(image_base)
    stack = Stack(image_base)
    figures: dict[str, Any] = {"compose": " ".join(compose_command()), "ports": stack.ports}
    log(f"compose up ({stack.project})")
    stack.compose("up", "-d", "--build")
    try:
        started = time.monotonic()
        for name in ("PORT_A", "PORT_B", "PORT_C", "LB_PORT"):
            wait_ready(stack.url(name), timeout=120, interval=0.1)
        figures["all_ready_seconds"] = round(time.monotonic() - started, 1)
        with httpx.Client(timeout=120, trust_env=False) as client:
            figures["shared_cache"] = shared_cache(stack, client)
            figures["failover"] = failover(stack, client)
        figures["drain"] = drain(stack)
    finally:
        stack.compose("down", "--timeout", "60", timeout=300)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base", default=None, help="base image (default: a local debootstrap bookworm)")
    parser.add_argument("--build", action="store_true", help="rebuild the service image first")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    with docker_daemon():
        figures = run(args.base, args.build)
    text = json.dumps(figures, indent=1, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    drained = figures["drain"]
    ok = (figures["shared_cache"]["hit_ratio"] == 1.0 and figures["failover"]["failed"] == 0
          and drained["completed_200"] == drained["in_flight"]
          and min(drained["answered_after_down_began_seconds"]) > 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
