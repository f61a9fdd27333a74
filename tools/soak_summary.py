#!/usr/bin/env python3
"""The table of tools/soak.sh, from its runs (one loadgen JSON object per
line, tagged with scenario, server, loadgen_exit, server_exit).

  soak_summary.py CONFIG_JSON RUNS_JSONL SUMMARY_JSON_OUT

Prints the table and whether each target is met; writes the rows as JSON.
Exits 1 if any run had an error (not for a missed target: a benchmark)."""
import json
import sys


def fmt(x, digits=1):
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    return f"{x:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return None
    return a / b if b else None


def run_error(r):
    """Why a run counts as an error, or None. A server loadgen killed over
    the RSS cap is a result ("over cap"), not an error; in the sigterm
    scenario the exit code is the thing measured, and the clients' EOFs and
    resets are the expected end of the load."""
    if r.get("loadgen_exit") == -1:
        return r.get("first_error") or "server did not start"
    if r.get("over_cap"):
        return None
    if r.get("mismatches"):
        return f"{r['mismatches']} mismatches"
    if r["scenario"] == "sigterm":
        return None
    if r.get("errors"):
        return f"loadgen: {r.get('first_error')}"
    if r.get("loadgen_exit"):
        return f"loadgen exit {r['loadgen_exit']}"
    if r.get("server_exit"):
        return f"server exit {r['server_exit']} on SIGTERM"
    return None


def rss_growth_kib(r):
    """Peak RSS above the server's RSS before the load, in KiB."""
    start, peak = r.get("server_rss_kib_start"), r.get("server_rss_kib_peak")
    if start is None or peak is None or start < 0 or peak < 0:
        return None
    return peak - start


class table:
    def __init__(self, labels):
        self.labels = labels
        self.rows = []

    def add(self, scenario, metric, values, target="", met=None, digits=1,
            show_ratio=True):
        """values: label -> number, text or None; met: True/False/None."""
        r = ratio(values.get("ours"), values.get("ref")) if show_ratio else None
        self.rows.append({"scenario": scenario, "metric": metric,
                          "values": values, "ratio_ours_ref": r,
                          "target": target, "met": met, "digits": digits})

    def print(self):
        head = ["scenario", "metric"] + self.labels + ["o/r", "target", "met"]
        cells = [head]
        for row in self.rows:
            met = {True: "yes", False: "NO", None: ""}[row["met"]]
            cells.append([row["scenario"], row["metric"]] +
                         [fmt(row["values"].get(label), row["digits"])
                          for label in self.labels] +
                         [fmt(row["ratio_ours_ref"], 2), row["target"], met])
        widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
        for c in cells:
            left = c[:2]
            right = c[2:-2]
            print("  ".join([left[0].ljust(widths[0]), left[1].ljust(widths[1])]
                            + [v.rjust(widths[2 + i])
                               for i, v in enumerate(right)]
                            + [c[-2].ljust(widths[-2]), c[-1]]).rstrip())

    def json_rows(self):
        return [{k: v for k, v in row.items() if k != "digits"}
                for row in self.rows]


def over_cap_text(r, config):
    after = r.get("over_cap_after_s")
    return (f"over {config['rss_cap_mib']} MiB"
            + (f" at {after:.1f} s" if after is not None else ""))


def summarize(config, runs):
    labels = config["labels"].split()
    by = {}
    for r in runs:
        by[(r["scenario"], r["server"])] = r
    t = table(labels)
    scenarios = []
    for r in runs:
        if r["scenario"] not in scenarios:
            scenarios.append(r["scenario"])

    def values(scenario, get, rate=False, own_cap=False):
        """label -> get(run), "over cap", or None without a usable run. A
        rate (rate=True) stays meaningful up to the moment the cap killed
        the server, if that was in the measured window; own_cap: get says
        itself what an over-cap run means."""
        out = {}
        for label in labels:
            r = by.get((scenario, label))
            if r is None or run_error(r) is not None:
                out[label] = None
            elif (r.get("over_cap") and not own_cap and
                  not (rate and r.get("seconds"))):
                out[label] = over_cap_text(r, config)
            else:
                out[label] = get(r)
        return out

    def num(x):
        return x if isinstance(x, (int, float)) else None

    if "bulk" in scenarios:
        n = config["bulk_clients"]
        echoed = values("bulk", lambda r: r["bytes"] / 1e9)
        mbps = values("bulk", lambda r: r["mb_per_sec"], rate=True)
        peak = values("bulk", lambda r: r["server_rss_kib_peak"] / 1024)
        per_conn = values("bulk", lambda r: rss_growth_kib(r) / n)
        o, ref = num(echoed.get("ours")), num(echoed.get("ref"))
        t.add("bulk", f"echoed GB in {config['duration']} s", echoed,
              ">= ref", None if ref is None else o is not None and o >= ref,
              digits=2)
        t.add("bulk", "echoed MB/s (until a kill)", mbps, digits=0)
        o, ref = num(peak.get("ours")), num(peak.get("ref"))
        t.add("bulk", "peak RSS MiB", peak, "<= 2x ref",
              None if ref is None else o is not None and o <= 2 * ref)
        t.add("bulk", f"peak RSS KiB/conn ({n})", per_conn, digits=1)

    if "never_read" in scenarios:
        n = config["nr_clients"]
        limit = (config["high_water_kib"] + config["read_buffer_kib"] +
                 config["read_window_kib"])
        per_conn = values("never_read", lambda r: rss_growth_kib(r) / n)
        sent = values("never_read", lambda r: r["bytes_sent"] / n / 2**20)
        o = per_conn.get("ours")
        t.add("never_read", f"peak RSS KiB/conn ({n})", per_conn,
              f"<= {limit} KiB",
              None if o is None else num(o) is not None and o <= limit)
        t.add("never_read", "MiB sent/conn", sent, digits=1)

    if "churn" in scenarios:
        warm_i = max(1, -(-config["churn_warmup"] // config["churn_batch"])) - 1

        def drift(r, worst):
            series = r.get("batch_rss_kib") or []
            if len(series) <= warm_i + 1:
                return "too few batches"
            warm = series[warm_i]
            after = series[warm_i:]
            devs = [(s - warm) * 100 / warm for s in after]
            return max(devs, key=abs) if worst else devs[-1]

        def rss_points(r):
            series = r.get("batch_rss_kib") or []
            warm = series[warm_i] if len(series) > warm_i else None
            end = series[-1] if series else None
            return "|".join(fmt(x, 0) for x in
                            (r.get("server_rss_kib_start"), warm, end))

        t.add("churn", "connections opened",
              values("churn", lambda r: r.get("opened")), digits=0)
        t.add("churn", "connections/s",
              values("churn", lambda r: r["msgs_per_sec"]), digits=0)
        t.add("churn", "RSS KiB start|warm|end", values("churn", rss_points),
              show_ratio=False)
        end_drift = values("churn", lambda r: drift(r, False))
        worst = values("churn", lambda r: drift(r, True))
        t.add("churn", "RSS drift % warm->end", end_drift, show_ratio=False,
              digits=2)
        o = worst.get("ours")
        t.add("churn", "RSS worst % after warm", worst, "within +-5%",
              None if o is None else num(o) is not None and abs(o) <= 5,
              show_ratio=False, digits=2)

    if "sigterm" in scenarios:
        def exit_text(r):
            if not r.get("sigterm_sent"):
                return over_cap_text(r, config) if r.get("over_cap") \
                    else "died first"
            if r.get("over_cap"):
                # Still growing after SIGTERM, until the cap killed it.
                return (f"over {config['rss_cap_mib']} MiB "
                        f"{r['exit_ms'] / 1000:.2f} s after SIGTERM")
            if r.get("exit_ms") is None:
                return "no exit in 10 s"
            return f"exit {r['server_exit']} in {r['exit_ms'] / 1000:.2f} s"

        texts = values("sigterm", exit_text, own_cap=True)
        r = by.get(("sigterm", "ours"))
        met = None
        if r is not None and run_error(r) is None:
            met = (not r.get("over_cap") and bool(r.get("sigterm_sent")) and
                   r.get("exit_ms") is not None and r["server_exit"] == 0 and
                   r["exit_ms"] <= 2000)
        t.add("sigterm", f"after {config['sigterm_after']} s of bulk", texts,
              "exit 0 within 2 s", met, show_ratio=False)

    return t


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    config = json.loads(sys.argv[1])
    with open(sys.argv[2]) as f:
        runs = [json.loads(line) for line in f if line.strip()]
    t = summarize(config, runs)
    t.print()
    errors = [(r["scenario"], r["server"], run_error(r)) for r in runs
              if run_error(r) is not None]
    met = [row["met"] for row in t.rows if row["met"] is not None]
    print(f"targets met: {sum(met)} of {len(met)}"
          + (f"; over the RSS cap: " + ", ".join(
              f"{r['scenario']}/{r['server']}" for r in runs
              if r.get("over_cap")) if any(r.get("over_cap") for r in runs)
             else ""))
    for scenario, server, why in errors:
        print(f"error: {scenario} {server}: {why}", file=sys.stderr)
    with open(sys.argv[3], "w") as f:
        json.dump({"rows": t.json_rows(),
                   "errors": [{"scenario": s, "server": w, "error": e}
                              for s, w, e in errors]}, f)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
