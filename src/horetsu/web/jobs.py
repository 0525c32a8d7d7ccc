"""Background jobs (import, analysis) run in a thread of the server, progress kept in the ops DB.

One job at a time: both write the workspace. A job left ``running`` by a killed server
is marked failed on the next start (:func:`fail_interrupted`).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from django.db import close_old_connections, connection
from django.utils import timezone

from horetsu.web.core.models import Job

_lock = threading.Lock()


class JobProgress:
    """The progress object horetsu's long functions accept (update(total=, completed=), advance(n))."""

    def __init__(self, job_id: int, span: tuple[float, float] = (0.0, 1.0)) -> None:
        self.job_id = job_id
        self.span = span
        self.total = 1.0
        self.done = 0.0
        self._last = 0.0

    def update(self, **kw: Any) -> None:
        if kw.get("total"):
            self.total = float(kw["total"])
        if "completed" in kw and kw["completed"] is not None:
            self.done = float(kw["completed"])
        if "advance" in kw:
            self.done += float(kw["advance"])
        self._save()

    def advance(self, n: float = 1) -> None:
        self.done += float(n)
        self._save()

    def __call__(self, **kw: Any) -> None:
        self.update(**kw)

    def _save(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.3:
            return
        self._last = now
        lo, hi = self.span
        share = min(max(self.done / self.total, 0.0), 1.0) if self.total else 0.0
        Job.objects.filter(pk=self.job_id).update(progress=lo + (hi - lo) * share)


def busy() -> bool:
    return Job.objects.filter(state__in=("queued", "running")).exists()


def start(kind: str, who: str, params: dict[str, Any], work: Callable[[Job, JobProgress], dict[str, Any]]) -> Job | None:
    """Start ``work`` in a thread; None when another job is still running."""
    with _lock:
        if busy():
            return None
        job = Job.objects.create(kind=kind, state="running", created_by=who, params=params)

    def run() -> None:
        from horetsu.errors import HoretsuError

        close_old_connections()
        try:
            result = work(job, JobProgress(job.pk))
        except HoretsuError as exc:
            Job.objects.filter(pk=job.pk).update(state="failed", message=exc.message("en"),
                                                 message_ja=exc.message("ja"), finished_at=timezone.now())
        except Exception as exc:  # noqa: BLE001 - one line for the page, never a traceback
            Job.objects.filter(pk=job.pk).update(state="failed", message=type(exc).__name__,
                                                 message_ja=type(exc).__name__, finished_at=timezone.now())
        else:
            Job.objects.filter(pk=job.pk).update(state="done", progress=1.0, result=result,
                                                 finished_at=timezone.now())
        finally:
            connection.close()

    threading.Thread(target=run, name=f"horetsu-job-{job.pk}", daemon=True).start()
    return job


def fail_interrupted() -> int:
    """Jobs a killed server left running: failed, so a new one may start."""
    return Job.objects.filter(state__in=("queued", "running")).update(
        state="failed", message="interrupted (the server stopped)", message_ja="中断されました（サーバーが停止）",
        finished_at=timezone.now())
