"""Which tenant workspaces a run covers: discovery under a directory, an explicit list file, and
the deterministic shard split (sorted by name, dealt round-robin, so N shards of one list cover
every workspace exactly once and differ in size by at most one)."""

import os
import re


class WorkspaceError(Exception):
    """The workspace selection cannot be made (bad list entry, duplicate name, bad shard)."""


def is_workspace(path):
    """A directory holding at least one Terraform configuration file."""
    try:
        names = os.listdir(path)
    except OSError:
        return False
    return any(n.endswith(".tf") or n.endswith(".tf.json") for n in names)


def discover(root):
    """Every immediate, non-hidden subdirectory of root that is a workspace: [(name, path)]."""
    if not os.path.isdir(root):
        raise WorkspaceError("--workspaces %s: not a directory" % root)
    out = []
    for name in sorted(os.listdir(root)):
        path = os.path.join(root, name)
        if name.startswith(".") or not os.path.isdir(path):
            continue
        if is_workspace(path):
            out.append((name, os.path.abspath(path)))
    return out


def read_list(list_file, base=None):
    """One workspace path per line ('#' starts a comment, blank lines are skipped); relative
    paths are relative to base (the --workspaces directory) or else to the list file's
    directory. Every entry must be a workspace directory."""
    try:
        with open(list_file, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise WorkspaceError("--list %s: %s" % (list_file, e.strerror or e))
    if base is None:
        base = os.path.dirname(os.path.abspath(list_file))
    out = []
    for lineno, raw in enumerate(lines, 1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        path = os.path.abspath(os.path.join(base, entry))
        if not is_workspace(path):
            raise WorkspaceError("%s:%d: %s is not a directory with Terraform files"
                                 % (list_file, lineno, entry))
        out.append((os.path.basename(path.rstrip(os.sep)), path))
    return out


def check_unique(workspaces):
    """The report names a workspace by its directory name: two with the same name are refused."""
    seen = {}
    for name, path in workspaces:
        if name in seen and seen[name] != path:
            raise WorkspaceError("two workspaces are named %s: %s and %s"
                                 % (name, seen[name], path))
        seen[name] = path
    return sorted(set(workspaces))


SHARD_RE = re.compile(r"^([1-9][0-9]*)/([1-9][0-9]*)$")


def parse_shard(text):
    """'K/N' with 1 <= K <= N -> (K, N)."""
    m = SHARD_RE.match(text or "")
    if not m:
        raise WorkspaceError("--shard %r: expected K/N, e.g. 3/8" % text)
    k, n = int(m.group(1)), int(m.group(2))
    if k > n:
        raise WorkspaceError("--shard %s: K must be between 1 and N" % text)
    return k, n


def shard(workspaces, k, n):
    """The K-th of N shards (1-based): every N-th workspace of the name-sorted list."""
    ordered = sorted(workspaces)
    return [w for i, w in enumerate(ordered) if i % n == k - 1]


def shard_specs(count, per_shard):
    """The shard list for a fan-out: ceil(count / per_shard) shards (at least 1)."""
    if per_shard < 1:
        raise WorkspaceError("--per-shard must be at least 1")
    n = max(1, -(-count // per_shard))
    return [{"index": k, "count": n, "shard": "%d/%d" % (k, n)} for k in range(1, n + 1)]
