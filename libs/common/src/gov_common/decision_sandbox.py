"""Evaluating decision graphs in a child process, with a deadline and a memory cap.

zen evaluates in Rust without releasing the GIL, and aborts its process when an allocation fails: an
expression that runs away would stall every request of the service, or end it. In a child process it
costs at most EVALUATION_SECONDS of the child's time, then the child is killed (and started again at
the next evaluation) and the caller gets a SandboxError. The child also has an address-space cap, so
a huge allocation fails there, not in the service.

One child per service process, evaluating one graph at a time (an evaluation takes about a
millisecond); it reads requests as JSON lines on stdin and answers on stdout, and ends when its stdin
closes, that is when the service's process does.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from typing import Any

EVALUATION_SECONDS = 1.0
# Address space (about 175 MiB of it is Python and zen at rest): a service pod has 512 MiB.
MEMORY_BYTES = 512 * 1024 * 1024
START_SECONDS = 30.0


class SandboxError(RuntimeError):
    pass


class DecisionSandbox:
    def __init__(self, *, timeout: float = EVALUATION_SECONDS, memory_bytes: int = MEMORY_BYTES) -> None:
        self.timeout = timeout
        self.memory_bytes = memory_bytes
        self._lock = threading.Lock()
        self._child: subprocess.Popen[bytes] | None = None
        self._pending = b""

    def evaluate(self, graph_json: str, facts_json: str) -> dict[str, Any]:
        """zen's response to `create_decision(graph).evaluate(facts, {"trace": True})`."""
        request = b'{"graph":' + json.dumps(graph_json).encode() + b',"facts":' + facts_json.encode() + b"}\n"
        with self._lock:
            child = self._running()
            assert child.stdin is not None
            try:
                child.stdin.write(request)
                child.stdin.flush()
            except OSError:
                self._stop()
                raise SandboxError("决策计算程序已停止，请重试") from None
            line = self._read_line(time.monotonic() + self.timeout)
            if line is None:
                self._stop()
                raise SandboxError(f"计算超过 {self.timeout:g} 秒，已停止")
            if not line:
                self._stop()
                raise SandboxError("计算失败（可能所需内存过多），已停止")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise SandboxError(str(answer["error"]))
        result: dict[str, Any] = answer["result"]
        return result

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _running(self) -> subprocess.Popen[bytes]:
        if self._child is not None and self._child.poll() is None:
            return self._child
        self._stop()
        self._child = subprocess.Popen(  # noqa: S603 - this interpreter and this module, no outside input
            [sys.executable, "-m", "gov_common.decision_sandbox", str(self.memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        if self._read_line(time.monotonic() + START_SECONDS) != b"ready\n":
            self._stop()
            raise SandboxError("决策计算程序未能启动")
        return self._child

    def _read_line(self, deadline: float) -> bytes | None:
        """One line from the child by `deadline`: None when it is late, b"" when the child is gone."""
        assert self._child is not None and self._child.stdout is not None
        fd = self._child.stdout.fileno()
        # A selector (epoll), not select(): select() refuses a descriptor numbered 1024 or more, which a
        # busy process (many connections and files open) reaches.
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                if not selector.select(remaining):
                    return None
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return b""
                self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line + b"\n"

    def _stop(self) -> None:
        child, self._child, self._pending = self._child, None, b""
        if child is None:
            return
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()


_sandbox: DecisionSandbox | None = None
_sandbox_lock = threading.Lock()


def sandbox() -> DecisionSandbox:
    """The process's sandbox, started at its first evaluation."""
    global _sandbox
    with _sandbox_lock:
        if _sandbox is None:
            _sandbox = DecisionSandbox()
            atexit.register(_sandbox.close)
        return _sandbox


def _serve(memory_bytes: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:  # if memory runs short in the pod all the same, the kernel ends this process first
        with open("/proc/self/oom_score_adj", "w") as adj:
            adj.write("1000")
    except OSError:
        pass
    import zen

    engine = zen.ZenEngine()
    decisions: dict[str, Any] = {}  # the graphs seen lately, compiled
    out = sys.stdout.buffer
    out.write(b"ready\n")
    out.flush()
    for line in sys.stdin.buffer:
        request = json.loads(line)
        graph = request["graph"]
        try:
            decision = decisions.get(graph)
            if decision is None:
                if len(decisions) >= 64:
                    decisions.clear()
                decision = decisions[graph] = engine.create_decision(graph)
            answer: dict[str, Any] = {"result": decision.evaluate(request["facts"], {"trace": True})}
        except RuntimeError as exc:
            answer = {"error": str(exc).split("\n", 1)[0]}
        out.write(json.dumps(answer, ensure_ascii=False, default=str).encode() + b"\n")
        out.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
