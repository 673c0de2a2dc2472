"""Starting and stopping processes by PID, free ports, and CPU/memory accounting from /proc."""
import os
import signal
import socket
import subprocess
import threading
import time

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout_s, proc=None):
    """Waits until 127.0.0.1:port accepts a connection; False on timeout or if proc exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def stop_process(proc, timeout_s=15.0):
    """SIGTERM, then SIGKILL after timeout_s; only ever the process we started."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # fields[0] is state (field 3); utime/stime are fields 14/15, cutime/cstime 16/17.
        return sum(int(x) for x in fields[11:15])
    except (OSError, IndexError, ValueError):
        return None


def _rss_kib(pid):
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


class TreeMeter:
    """CPU seconds and resident memory of a process and all its descendants.

    A background thread samples /proc every `interval_s`; mark() takes a synchronous sample so
    that windows (one workload) start and end exactly. CPU of a process is its own plus its
    reaped children's; per pid the last value seen counts, so exited threads' time is kept.
    """

    def __init__(self, root_pid, interval_s=0.1):
        self.root_pid = root_pid
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._cpu_by_pid = {}
        self._window_peak_rss_kib = 0
        self._hwm_by_pid = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _pids(self):
        pids, todo = [], [self.root_pid]
        while todo and len(pids) < 1000:
            pid = todo.pop()
            pids.append(pid)
            todo.extend(_children(pid))
        return pids

    def sample(self):
        rss_total = 0
        with self._lock:
            for pid in self._pids():
                ticks = _cpu_ticks(pid)
                if ticks is not None:
                    self._cpu_by_pid[pid] = ticks
                rss, hwm = _rss_kib(pid)
                rss_total += rss
                if hwm:
                    self._hwm_by_pid[pid] = hwm
            self._window_peak_rss_kib = max(self._window_peak_rss_kib, rss_total)

    def _run(self):
        while not self._stop.wait(self.interval_s):
            self.sample()

    def mark(self):
        """Returns (cpu_seconds_so_far, peak_rss_mib_since_last_mark) and starts a new window."""
        self.sample()
        with self._lock:
            cpu = sum(self._cpu_by_pid.values()) / CLOCK_TICKS
            peak = self._window_peak_rss_kib / 1024.0
            self._window_peak_rss_kib = 0
        return cpu, peak

    def lifetime_peak_rss_mib(self):
        """Sum of VmHWM over the tree: the kernel's own high-water mark, not a sample."""
        with self._lock:
            return sum(self._hwm_by_pid.values()) / 1024.0

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
