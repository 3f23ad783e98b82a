"""Handing work to the Celery worker without letting a broker outage turn a
finished change into an error page.

A task is queued after the change it follows has committed. If the broker
cannot be reached then, the change is already saved: raising would show the
user a 500 for something that worked, and the task would never run. So the
task runs here and now instead, and the outage is logged.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from celery import Task
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args: Any) -> bool:
    """Send `task` to the broker; run it in this process when that fails.
    Returns False when it had to run here."""
    try:
        task.apply_async(args, retry=False)
    except Exception:  # whatever the broker's client raises: kombu, redis, socket errors
        logger.warning("%s could not be queued; running it in this process", task.name)
        task.apply(args, throw=True)
        return False
    return True


def enqueue_on_commit(task: Task, *args: Any) -> None:
    """`enqueue` once the current transaction commits."""
    transaction.on_commit(partial(enqueue, task, *args))
