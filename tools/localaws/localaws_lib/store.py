"""The emulator's whole state: one JSON-serialisable dict behind one re-entrant lock, plus persistence.

Every handler runs with `store.lock` held, after `store.tick(now)` has advanced the time-driven state
machines (each service registers an advancer). Timestamps are wall-clock epoch seconds so a state file
survives a restart. This module must not know any AWS operation; it only owns data, ids and the clock.
"""

import base64
import json
import os
import secrets
import string
import tempfile
import threading
import time

MGMT_ACCOUNT = "000000000000"
MGMT_ACCESS_KEY = "test"
MGMT_SECRET_KEY = "test"
MGMT_USER_NAME = "admin"
MGMT_USER_ID = "AIDAAAAAAAAAAAAAAAAAA"
SCHEMA = 1
HISTORY_LIMIT = 10000

_LOWER_ALNUM = string.ascii_lowercase + string.digits
_UPPER_ALNUM = string.ascii_uppercase + string.digits
_SECRET_CHARS = string.ascii_letters + string.digits + "+/"


def rand_chars(alphabet, n):
    """n characters drawn uniformly from alphabet (at most 256 of them). The random bytes come
    from one os.urandom read per batch (secrets.choice reads once per character: 60 system
    calls for one AssumeRole's key pair); bytes past the last whole multiple of the alphabet's
    size are dropped so that no character is more likely than another."""
    k = len(alphabet)
    limit = 256 - 256 % k
    out = []
    while len(out) < n:
        for b in secrets.token_bytes(2 * (n - len(out)) + 8):
            if b < limit:
                out.append(alphabet[b % k])
                if len(out) == n:
                    break
    return "".join(out)


def rand_lower(n):
    return rand_chars(_LOWER_ALNUM, n)


def rand_upper(n):
    return rand_chars(_UPPER_ALNUM, n)


def rand_secret(n=40):
    return rand_chars(_SECRET_CHARS, n)


def rand_hex(n):
    return secrets.token_hex((n + 1) // 2)[:n]


def rand_session_token():
    return "IQoJb3JpZ2luX2VjE" + base64.b64encode(secrets.token_bytes(150)).decode()


class Config:
    def __init__(self, **kw):
        self.port = kw.get("port", 4566)
        self.host = kw.get("host", "127.0.0.1")
        self.latency_ms = kw.get("latency_ms", 0)
        self.throttle_rate = kw.get("throttle_rate", 0.0)
        self.error_rate = kw.get("error_rate", 0.0)
        self.seed = kw.get("seed")
        self.async_delay_ms = kw.get("async_delay_ms", 300)
        self.state_file = kw.get("state_file")
        prop = kw.get("role_propagation_ms")
        self.role_propagation_ms = self.async_delay_ms if prop is None else prop
        self.close_account_quota = kw.get("close_account_quota", 200)
        self.close_account_window_s = kw.get("close_account_window_s", 30 * 86400)
        self.verbose = kw.get("verbose", False)
        self.today = kw.get("today")  # "YYYY-MM-DD" pins the date EKS version support uses

    @property
    def delay(self):
        return self.async_delay_ms / 1000.0


def initial_state():
    org_id = "o-" + rand_lower(10)
    root_id = "r-" + rand_lower(4)
    mgmt_arn = "arn:aws:organizations::%s:account/%s/%s" % (MGMT_ACCOUNT, org_id, MGMT_ACCOUNT)
    now = time.time()
    return {
        "schema": SCHEMA,
        "org": {
            "Id": org_id,
            "Arn": "arn:aws:organizations::%s:organization/%s" % (MGMT_ACCOUNT, org_id),
            "FeatureSet": "ALL",
            "MasterAccountArn": mgmt_arn,
            "MasterAccountId": MGMT_ACCOUNT,
            "MasterAccountEmail": "management@localaws.example",
        },
        "roots": {root_id: {
            "Id": root_id,
            "Arn": "arn:aws:organizations::%s:root/%s/%s" % (MGMT_ACCOUNT, org_id, root_id),
            "Name": "Root", "PolicyTypes": [], "Tags": {}}},
        "ous": {},
        "accounts": {MGMT_ACCOUNT: {
            "Id": MGMT_ACCOUNT, "Arn": mgmt_arn, "Email": "management@localaws.example",
            "Name": "management", "State": "ACTIVE", "JoinedMethod": "CREATED",
            "JoinedTimestamp": now, "ParentId": root_id, "Tags": {}}},
        "create_requests": {},
        "closures": [],
        "iam": {MGMT_ACCOUNT: {"roles": {}}},
        "sessions": {},
        "eks": {},
        "kube": {},
        "tokens": {},
        "counter": 1,
    }


class Store:
    def __init__(self, cfg):
        self.cfg = cfg
        self.lock = threading.RLock()
        self.advancers = []
        self.writes = 0  # bumped by every `dirty = True`: what tick's skips must not miss
        self._next_due = {}  # advancer -> (writes after its last quiet pass, its next due time)
        self._dirty = False
        self.state = None
        self.tls = None  # {"ca_pem", "cert_pem", "key_pem"}; kept across resets
        self._load()

    # ---- persistence
    def _load(self):
        path = self.cfg.state_file
        if path and os.path.exists(path):
            with open(path, "r", encoding="utf-8") as f:
                doc = json.load(f)
            if doc.get("schema") != SCHEMA:
                raise SystemExit("localaws: state file %s has an unknown schema" % path)
            self.tls = doc.pop("tls", None)
            self.state = doc
        else:
            self.state = initial_state()

    def save(self):
        self.dirty = False
        path = self.cfg.state_file
        if not path:
            return
        doc = dict(self.state)
        if self.tls:
            doc["tls"] = self.tls
        directory = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix=".localaws-", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def reset(self):
        with self.lock:
            self.state = initial_state()
            self.dirty = True

    # ---- dirty: the state changed (saved after the request); every change counts as a write
    @property
    def dirty(self):
        return self._dirty

    @dirty.setter
    def dirty(self, value):
        if value:
            self.writes += 1
        self._dirty = value

    # ---- time
    def tick(self, now):
        """Runs each advancer, except one whose last pass changed nothing, saw the same state (no
        write since) and said that nothing falls due before `now`: that pass would change nothing
        either. An advancer returns the next time one of its transitions falls due (inf: none;
        None: unknown, run it every time). Skipping is exact; it saves the walk over every object
        on the many requests that only read."""
        for fn in self.advancers:
            seen = self._next_due.get(fn)
            if seen is not None and seen[0] == self.writes and now < seen[1]:
                continue
            before = self.writes
            due = fn(self, now)
            if due is not None and self.writes == before:
                self._next_due[fn] = (self.writes, due)
            else:
                self._next_due.pop(fn, None)

    # ---- event history (admin surface GET /_localaws/history)
    def record(self, **event):
        """Appends one event with the next sequence number. `at` (epoch seconds) is when it
        happened in emulated time (a transition the clock applies lazily keeps its due time)."""
        seq = self.state.get("history_seq", 0) + 1
        self.state["history_seq"] = seq
        event["seq"] = seq
        event.setdefault("at", time.time())
        hist = self.state.setdefault("history", [])
        hist.append(event)
        if len(hist) > HISTORY_LIMIT:
            del hist[:len(hist) - HISTORY_LIMIT]
        self.dirty = True
        return event

    def next_counter(self):
        self.state["counter"] += 1
        self.dirty = True
        return self.state["counter"]

    # ---- accessors
    def iam(self, account):
        return self.state["iam"].setdefault(account, {"roles": {}})

    def eks(self, account, region):
        return self.state["eks"].setdefault(account, {}).setdefault(region, {"clusters": {}})

    def account_active(self, account):
        acct = self.state["accounts"].get(account)
        return acct is not None and acct["State"] == "ACTIVE"

    def credentials(self, access_key):
        """-> dict(secret, token, expires, principal) or None."""
        if access_key == MGMT_ACCESS_KEY:
            return {"secret": MGMT_SECRET_KEY, "token": None, "expires": None,
                    "principal": mgmt_principal()}
        return self.state["sessions"].get(access_key)


def mgmt_principal():
    return {"account": MGMT_ACCOUNT, "kind": "user",
            "arn": "arn:aws:iam::%s:user/%s" % (MGMT_ACCOUNT, MGMT_USER_NAME),
            "user_id": MGMT_USER_ID}
