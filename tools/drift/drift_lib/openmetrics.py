"""drift.prom: the run as OpenMetrics text (also valid Prometheus text exposition, so node
exporter's textfile collector, a Pushgateway or a Datadog OpenMetrics check can read it).
All families are gauges describing the last run; the file ends with the `# EOF` terminator.

  unicron_drift_resources{tenant,resource}         1 per drifted resource
  unicron_drift_workspace_status{tenant,outcome}   1 per workspace (outcome clean|drift|error)
  unicron_drift_workspaces{outcome}                workspaces per outcome (all three present)
  unicron_drift_run_errors                         failed workspaces + run-level errors
  unicron_drift_workspace_duration_seconds{tenant}
  unicron_drift_run_duration_seconds
  unicron_drift_run_timestamp_seconds              when the run finished (epoch), for staleness
"""

from .report import OUTCOMES


def _escape_label(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text):
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _num(v):
    if isinstance(v, int):
        return str(v)
    return repr(float(v))


class _Writer:
    def __init__(self):
        self.lines = []

    def family(self, name, help_text, unit=None, samples=()):
        self.lines.append("# TYPE %s gauge" % name)
        if unit:
            self.lines.append("# UNIT %s %s" % (name, unit))
        self.lines.append("# HELP %s %s" % (name, _escape_help(help_text)))
        for labels, value in samples:
            if labels:
                lab = ",".join('%s="%s"' % (k, _escape_label(v)) for k, v in labels)
                self.lines.append("%s{%s} %s" % (name, lab, _num(value)))
            else:
                self.lines.append("%s %s" % (name, _num(value)))

    def text(self):
        return "\n".join(self.lines + ["# EOF"]) + "\n"


def render(doc):
    w = _Writer()
    ws = doc["workspaces"]
    w.family("unicron_drift_resources",
             "Resources whose live state differs from the Terraform state (1 per resource).",
             samples=[((("tenant", x["name"]), ("resource", r["address"])), 1)
                      for x in ws for r in x["drift"]])
    w.family("unicron_drift_workspace_status",
             "Outcome of each tenant workspace in the last run (1 for its outcome).",
             samples=[((("tenant", x["name"]), ("outcome", x["outcome"])), 1) for x in ws])
    w.family("unicron_drift_workspaces", "Tenant workspaces per outcome in the last run.",
             samples=[((("outcome", o),), doc["summary"][o]) for o in OUTCOMES])
    w.family("unicron_drift_run_errors",
             "Workspaces that failed (timeout, terraform error, unparseable output) plus "
             "run-level errors in the last run; a failed workspace is never counted clean.",
             samples=[((), doc["summary"]["error"] + doc["summary"]["run_errors"])])
    w.family("unicron_drift_workspace_duration_seconds",
             "Wall-clock time spent on each tenant workspace.", unit="seconds",
             samples=[((("tenant", x["name"]),), float(x["duration_seconds"])) for x in ws])
    w.family("unicron_drift_run_duration_seconds", "Wall-clock time of the whole run.",
             unit="seconds", samples=[((), float(doc["duration_seconds"]))])
    w.family("unicron_drift_run_timestamp_seconds",
             "When the last run finished, seconds since the epoch.", unit="seconds",
             samples=[((), float(doc["finished_at_epoch"]))])
    return w.text()
