"""Checks an EKS add-on's configurationValues text the way EKS does before its schema check: it
must be a JSON object or a YAML block mapping. Standard library only, so the YAML side is a
structural check of the block subset add-on values use (mappings, sequences, flow collections,
quoted and block scalars, comments), not a full YAML parser. The text itself is never changed.
"""

import json
import re

_KEY = re.compile(r"""^(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'"""     # quoted key
                  r"""|[^\s#'"{}\[\],&*!|>%@`-][^:#]*?|-[^\s:][^:#]*?)"""  # plain key
                  r"""\s*:(?:\s+(.*))?$""")


class Invalid(ValueError):
    pass


def check(text):
    """Raises Invalid (with a reason) unless `text` is a JSON object or a YAML mapping."""
    stripped = text.strip()
    if not stripped:
        return
    if stripped.startswith("{"):
        try:
            doc = json.loads(stripped)
        except ValueError as e:
            raise Invalid("not valid JSON: %s" % e)
        if not isinstance(doc, dict):
            raise Invalid("the JSON document is not an object")
        return
    _check_yaml(text)


def _scalar_ok(value):
    v = value.strip()
    if not v:
        return True
    if v[0] == '"':
        return re.match(r'^"(?:[^"\\]|\\.)*"\s*(#.*)?$', v) is not None
    if v[0] == "'":
        return re.match(r"^'(?:[^']|'')*'\s*(#.*)?$", v) is not None
    if v[0] in "[{":
        return _balanced(v)
    if v[0] in "|>":
        return re.match(r"^[|>][+-]?[0-9]?\s*(#.*)?$", v) is not None
    if v[0] in "]}`@%":
        return False
    return ": " not in v.split(" #")[0]


def _balanced(v):
    depth, quote = 0, None
    body = v
    for i, ch in enumerate(body):
        if quote:
            if ch == quote and body[i - 1] != "\\":
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth < 0:
                return False
        elif ch == "#" and depth == 0 and i and body[i - 1] == " ":
            break
        if depth == 0 and ch in "]}":
            rest = body[i + 1:].strip()
            return rest == "" or rest.startswith("#")
    return depth == 0 and quote is None


def _check_yaml(text):
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[0].strip() == "---":
        lines = lines[1:]
    block_indent = None  # inside a | or > scalar: lines indented deeper than this are text
    top = None
    for n, raw in enumerate(lines, 1):
        if "\t" in raw[:len(raw) - len(raw.lstrip())]:
            raise Invalid("line %d: tabs are not allowed for indentation" % n)
        body = raw.strip()
        indent = len(raw) - len(raw.lstrip(" "))
        if block_indent is not None:
            if not body or indent > block_indent:
                continue
            block_indent = None
        if not body or body.startswith("#"):
            continue
        if body == "...":
            break
        item = body
        while item.startswith("- ") or item == "-":
            if top is None:
                raise Invalid("line %d: the document is a list, not a mapping" % n)
            item = item[2:].strip() if item != "-" else ""
            indent += 2
        if not item:
            continue
        m = _KEY.match(item)
        if m is None:
            if body.startswith("-") and _scalar_ok(item):
                continue
            raise Invalid("line %d: expected 'key: value', got %r" % (n, body[:60]))
        if top is None:
            top = indent
            if indent != 0:
                raise Invalid("line 1: the document must start at column 0")
        value = m.group(1) or ""
        if not _scalar_ok(value):
            raise Invalid("line %d: malformed value %r" % (n, value[:60]))
        if value.strip()[:1] in ("|", ">"):
            block_indent = indent
    if top is None:
        raise Invalid("the document is not a mapping")
