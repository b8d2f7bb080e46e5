"""Fault injection and call statistics for localaws.

Decides, with one seeded random.Random, whether an AWS call is answered with the service's
throttling error (--throttle-rate) or a transient 5xx (--error-rate), and counts calls and faults for
GET /_localaws/stats. Never used for the admin surface or the Kubernetes API.
"""

import random
import threading


class Faults:
    def __init__(self, throttle_rate, error_rate, seed):
        self.throttle_rate = throttle_rate
        self.error_rate = error_rate
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.reset_stats()

    def reset_stats(self):
        with self.lock if hasattr(self, "stats") else _NullLock():
            self.stats = {"requests": 0, "operations": {}, "auth_failures": 0,
                          "faults": {"throttle": {}, "error": {}, "total": 0},
                          "kubernetes": {"requests": 0, "by_method": {}, "unauthorized": 0},
                          "admin": 0}

    def count(self, service, op):
        with self.lock:
            self.stats["requests"] += 1
            per = self.stats["operations"].setdefault(service, {})
            per[op] = per.get(op, 0) + 1

    def count_auth_failure(self):
        with self.lock:
            self.stats["auth_failures"] += 1

    def count_kube(self, method, status):
        with self.lock:
            k = self.stats["kubernetes"]
            k["requests"] += 1
            k["by_method"][method] = k["by_method"].get(method, 0) + 1
            if status == 401:
                k["unauthorized"] += 1

    def count_admin(self):
        with self.lock:
            self.stats["admin"] += 1

    def decide(self, service, op):
        """-> None, "throttle" or "error". Both draws always happen so a seed replays exactly."""
        with self.lock:
            t = self.rng.random()
            e = self.rng.random()
            kind = None
            if t < self.throttle_rate:
                kind = "throttle"
            elif e < self.error_rate:
                kind = "error"
            if kind:
                per = self.stats["faults"][kind].setdefault(service, {})
                per[op] = per.get(op, 0) + 1
                self.stats["faults"]["total"] += 1
            return kind

    def snapshot(self):
        import copy
        with self.lock:
            return copy.deepcopy(self.stats)


class _NullLock:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False
