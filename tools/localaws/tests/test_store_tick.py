"""Store.tick: an advancer is skipped only while its last pass changed nothing, nothing was
written since and nothing falls due; it runs again at its due time, after any write, every time
when it cannot say (None) and after a pass that wrote. In-process, on the Store alone."""

import os
import sys
import types
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from localaws_lib.store import Store  # noqa: E402


class Clock:
    """An advancer that counts its passes, answers `due` and writes while `writes` says so."""

    def __init__(self, due):
        self.due = due
        self.passes = 0
        self.writes = 0

    def __call__(self, store, now):
        self.passes += 1
        if self.writes:
            self.writes -= 1
            store.dirty = True
        return self.due


class StoreTick(unittest.TestCase):
    def setUp(self):
        self.store = Store(types.SimpleNamespace(state_file=None))

    def test_skips_until_due_or_written(self):
        adv = Clock(due=100.0)
        self.store.advancers = [adv]
        self.store.tick(10.0)
        self.assertEqual(adv.passes, 1)
        self.store.tick(50.0)  # nothing written, nothing due: skipped
        self.assertEqual(adv.passes, 1)
        self.store.dirty = True  # a write: the next tick runs it
        self.store.tick(51.0)
        self.assertEqual(adv.passes, 2)
        self.store.dirty = False  # saving is not a write
        self.store.tick(52.0)
        self.assertEqual(adv.passes, 2)
        self.store.tick(100.0)  # due: runs
        self.assertEqual(adv.passes, 3)

    def test_a_pass_that_wrote_is_not_trusted(self):
        adv = Clock(due=float("inf"))
        adv.writes = 1
        self.store.advancers = [adv]
        self.store.tick(1.0)  # applied something: its answer came from the state before it
        self.store.tick(2.0)
        self.assertEqual(adv.passes, 2)
        self.store.tick(3.0)  # the second pass was quiet: now skipped
        self.assertEqual(adv.passes, 2)

    def test_unknown_runs_every_time(self):
        adv = Clock(due=None)
        self.store.advancers = [adv]
        for now in (1.0, 2.0, 3.0):
            self.store.tick(now)
        self.assertEqual(adv.passes, 3)

    def test_a_write_by_one_advancer_wakes_the_next(self):
        first, second = Clock(due=None), Clock(due=float("inf"))
        self.store.advancers = [first, second]
        self.store.tick(1.0)
        self.store.tick(2.0)
        self.assertEqual((first.passes, second.passes), (2, 1))
        first.writes = 1  # the first one's next pass writes: the second one runs after it
        self.store.tick(3.0)
        self.assertEqual((first.passes, second.passes), (3, 2))

    def test_reset_is_a_write(self):
        adv = Clock(due=float("inf"))
        self.store.advancers = [adv]
        self.store.tick(1.0)
        self.store.reset()
        self.store.tick(2.0)
        self.assertEqual(adv.passes, 2)


if __name__ == "__main__":
    unittest.main()
