"""bench/report.py: BENCHMARKS.md and the gnuplot chart from bench.py's
results (bench/out/results.json).  `bench/bench.py --report FILE` reruns it."""

import os
import statistics
import subprocess

from bench import SYSTEMS, SYS_TITLE, WORKLOADS, WL, CONCS, REPO
from bench import SPAWN_DELAY_MS, SPAWN_IDLE, SPAWN_SECONDS, SPAWN_GRACEFUL_AT, SPAWN_AFTER

SPAWN_DELAY_MS_TXT, SPAWN_IDLE_TXT, SPAWN_SECONDS_TXT, SPAWN_AT_TXT, SPAWN_AFTER_TXT = (
    "{:,}".format(SPAWN_DELAY_MS), SPAWN_IDLE, SPAWN_SECONDS, SPAWN_GRACEFUL_AT, SPAWN_AFTER)

SYS_KEYS = [k for k, _ in SYSTEMS]
# httpd's own start/stop notices; php-fpm's start notices
ROUTINE = {"AH00489", "AH00094", "AH00491", "AH00492", "AH00493", "AH00494", "AH00163",
           "AH00558", "notice: fpm is running, pid N", "notice: ready to handle connections",
           "notice: systemd monitor interval set to Nms", "notice: Terminating ...",
           "notice: exiting, bye-bye!", "notice: Finishing ..."}
APP_SYS = ["fcgiproc", "fcgid", "proxy"]


def pss_parts(rs):
    """Median over rounds of each part of the PSS (anon, file, shmem, the
    largest process), from the sample whose total was each run's median."""
    ps = [r.get("app_pss_parts") for r in rs if r.get("app_pss_parts")]
    if not ps:
        return None
    return {k: med([p[k] for p in ps]) for k in ("anon", "file", "shmem", "largest")}


def pss_split(fp, px):
    """"; of which anon a vs b, ..." for the PSS target's text."""
    a, b = fp.get("pss_parts"), px.get("pss_parts")
    if not (a and b):
        return ""
    return ("; of which private and shared anonymous memory (the processes' heaps) %s vs "
            "%s MiB, mapped files %s vs %s MiB, shared memory (the opcode cache) %s vs %s MiB; "
            "the largest process %s vs %s MiB"
            % (f0(a["anon"]), f0(b["anon"]), f0(a["file"]), f0(b["file"]),
               f0(a["shmem"]), f0(b["shmem"]), f0(a["largest"]), f0(b["largest"])))


def cpu_split(fp, px):
    """"; CPU per request: the app a vs b ms, httpd c vs d ms" for the
    real application's rate target: which side a difference comes from."""
    if fp.get("app_cpu") is None or px.get("app_cpu") is None:
        return ""
    return ("; CPU per request: the application's processes %.1f vs %.1f ms, httpd %.2f vs "
            "%.2f ms" % (fp["app_cpu"], px["app_cpu"], fp["cpu"] - fp["app_cpu"],
                         px["cpu"] - px["app_cpu"]))


def round_ratios(fp, px):
    """"; per round (the order turns each round): 1.12×, 0.87×, ..." for
    the real application's rate: each round's two runs are minutes apart
    at most, where the medians of a system's rounds are not."""
    mine = dict((r["round"], r["rps"]) for r in fp.get("runs", []))
    theirs = dict((r["round"], r["rps"]) for r in px.get("runs", []))
    rs = [ratio(mine[k], theirs[k]) for k in sorted(mine) if k in theirs]
    rs = [r for r in rs if r is not None]
    if len(rs) < 2:
        return ""
    return ("; per round (the order of the two turns each round): %s, median %s"
            % (", ".join(fx(r) for r in rs), fx(statistics.median(rs))))


def exec_floor(nc, meta):
    """What one start and exit of the test app costs against the requests
    it serves: the churn(100) rate's ceiling if nothing else cost more."""
    ms = (meta.get("machine") or {}).get("exec_ms", {}).get("fcgp-test-app")
    if not ms or not nc.get("cpu"):
        return ""
    per100 = 100 * nc["cpu"]
    return ("; one start and exit of the test app costs %.2f ms of CPU on this machine "
            "(measured at the start of the run), against %.1f ms for the 100 requests a "
            "worker serves (CPU per request without churn): a retirement every 100 requests "
            "alone caps churn(100) at %.0f%%" % (ms, per100, 100.0 * per100 / (per100 + ms)))


def pair_settings(results):
    """The kernel autogroup settings the churn pairs ran at, in run order."""
    out = []
    for r in results:
        if r.get("pair") and r.get("autogroup") not in out:
            out.append(r.get("autogroup"))
    return out


def churn_paired(results, system, base, churn, autogroup=None):
    """The churn run's rate over the no-churn run's, per pair of back-to-back
    runs of the system (bench.py's churn_pairs) at that autogroup setting,
    in pair order; the pairs' runs (errors, CPU per request); and how many
    pairs ran (a pair without both runs or a no-churn rate has no ratio)."""
    by = {}
    for r in results:
        if (r.get("pair") and r["system"] == system and r["workload"] in (base, churn)
                and r.get("autogroup") == autogroup):
            by.setdefault(r["pair"], {})[r["workload"]] = r
    rs, runs = [], []
    for k in sorted(by):
        p = by[k]
        if base in p and churn in p:
            runs.append(p)
            x = ratio(p[churn]["rps"], p[base]["rps"])
            if x is not None:
                rs.append(x)
    return rs, runs, len(by)


def churn_cost(runs, base, churn):
    """Where a system's churn goes, from its pairs' runs (churn_paired's
    second value): the CPU one retirement costs in ms (CPU per request of
    the churn run minus the no-churn run's, over the retirements per
    request), and, in the churn runs, the context switches per request and
    the share of the machine's time it was idle (%): medians over the
    pairs, None where a run did not measure it."""
    per, ctxt, idle = [], [], []
    for p in runs:
        b, c = p[base], p[churn]
        forks = (c.get("forks_per_1k") or 0) - (b.get("forks_per_1k") or 0)
        if c.get("cpu_per_1k") is not None and b.get("cpu_per_1k") is not None and forks > 0:
            per.append(1000.0 * (c["cpu_per_1k"] - b["cpu_per_1k"]) / forks)
        ctxt.append(c.get("ctxt_per_req"))
        idle.append(c.get("idle_pct"))
    return med(per), med(ctxt), med(idle)


def churn_cost_text(mine, theirs, other):
    """"; where it goes (...)" for the churn target's line: our pairs'
    churn_cost against the other system's (the spawn-fcgi loop)."""
    parts = []
    for i, (what, fmt) in enumerate((("a retirement costs %s of CPU", "%.1f ms"),
                                     ("%s context switches per request", "%.1f"),
                                     ("the machine idle %s of the time", "%.1f%%"))):
        if mine[i] is None:
            continue
        txt = what % (fmt % mine[i])
        if theirs and theirs[i] is not None:
            txt += " (%s %s)" % (other, fmt % theirs[i])
        parts.append(txt)
    if not parts:
        return ""
    return "; where it goes (medians of the pairs, churn runs): " + ", ".join(parts)


def restart_cap_text(runs, base, churn):
    """"; the app restarted with no process manager ... caps churn(100) at
    N%" for the C churn target's line: the spawn-fcgi loop's pairs (runs)
    say what a retirement costs when nothing but the app's own start, first
    requests and exit is paid (churn_cost), against the CPU of the 100
    requests a worker serves without churn: the rate's ceiling for any
    process manager."""
    cost = churn_cost(runs, base, churn)[0]
    per100 = med([100 * p[base]["cpu_per_1k"] for p in runs
                  if p[base].get("cpu_per_1k") is not None])
    if cost is None or not per100 or cost <= 0:
        return ""
    return ("; the app restarted with no process manager (the loop) costs %.1f ms of CPU "
            "per retirement, against %.1f ms for the 100 requests a worker serves without "
            "churn: that alone caps churn(100) at %.0f%%, whoever restarts it"
            % (cost, per100, 100.0 * per100 / (per100 + cost)))


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def aggregate(results):
    agg = {}
    for r in results:
        if r.get("round", 0) < 1:
            continue
        agg.setdefault((r["workload"], r["conc"], r["system"]), []).append(r)
    out = {}
    for k, rs in agg.items():
        rps = [r["rps"] for r in rs]
        out[k] = {
            "rounds": len(rs),
            "rps": med(rps), "rps_min": min(rps), "rps_max": max(rps),
            "p50": med([r["p50_ms"] for r in rs]),
            "p99": med([r["p99_ms"] for r in rs]),
            "cpu": med([r["cpu_per_1k"] for r in rs]),
            "app_cpu": med([r.get("app_cpu_per_1k") for r in rs]),
            "httpd_max": max(r["httpd_rss_max_mib"] for r in rs),
            "httpd_sum": max(r["httpd_rss_sum_mib"] for r in rs),
            "app_max": max(r["app_rss_max_mib"] for r in rs),
            "app_sum": max(r["app_rss_sum_mib"] for r in rs),
            "app_procs": max(r["app_procs"] for r in rs),
            "pss": med([r.get("app_pss_mib") for r in rs]),
            "pss_procs": max(r.get("app_pss_procs") or 0 for r in rs),
            "pss_parts": pss_parts(rs),
            "errors": sum(r["errors"] for r in rs),
            "requests": sum(r["requests"] for r in rs),
            "err_detail": {f: sum(r[f] for r in rs)
                           for f in ("non2xx", "connect", "read", "write", "timeout")},
            "hung": sum(1 for r in rs if r.get("hung")),
            "runs": rs,
            "stalled": sum(1 for r in rs if r.get("stalled")),
        }
    return out


def f0(x):
    return "-" if x is None else "%.0f" % x


def f1(x):
    return "-" if x is None else ("%.1f" % x if x < 100 else "%.0f" % x)


def f2(x):
    return "-" if x is None else ("%.2f" % x if x < 10 else "%.1f" % x)


def fms(x):
    if x is None:
        return "-"
    if x < 1:
        return "%.2f" % x
    if x < 100:
        return "%.1f" % x
    return "%.0f" % x


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fx(x):
    return "-" if x is None else "%.2f×" % x


def spread(a):
    if not a or not a["rps"]:
        return "-"
    return "±%.0f%%" % (50.0 * (a["rps_max"] - a["rps_min"]) / a["rps"])


def errs(a):
    if a is None:
        return "-"
    st = (", %d run%s without any answer" % (a["stalled"], "" if a["stalled"] == 1 else "s")
          if a.get("stalled") else "")
    if not a["errors"]:
        return "0" + (" **(%s)**" % st[2:] if st else "")
    d = a["err_detail"]
    parts = ["%s %d" % (k, v) for k, v in d.items() if v]
    return "**%d** (%s%s)" % (a["errors"], ", ".join(parts), st)


def errs_short(a):
    if a is None:
        return "-"
    return str(a["errors"]) + ("+%dS" % a["stalled"] if a.get("stalled") else "")


def pairs(active_keys):
    out = []
    for w in WORKLOADS:
        if w["key"] in active_keys:
            for c in w["concs"]:
                out.append((w, c))
    return out


# ------------------------------------------------------------------ targets

def targets(A, meta=None, results=()):
    """List of (title, met: bool or None, text)."""
    meta = meta or {}
    out = []

    def g(wl, c, s):
        return A.get((wl, c, s))

    # 1. hello at c=32 vs mod_fcgid and proxy_fcgi
    for wl, name in (("php_hello", "PHP hello"), ("c_hello", "C hello")):
        fp, fg, px = g(wl, 32, "fcgiproc"), g(wl, 32, "fcgid"), g(wl, 32, "proxy")
        if not (fp and fg and px):
            out.append(("%s at c=32: ≥1.3× mod_fcgid, ≥1.0× proxy_fcgi, p99 no worse" % name,
                        None, "not measured"))
            continue
        r_fg, r_px = ratio(fp["rps"], fg["rps"]), ratio(fp["rps"], px["rps"])
        ok = [r_fg is not None and r_fg >= 1.3, r_px is not None and r_px >= 1.0,
              fp["p99"] is not None and fg["p99"] is not None and fp["p99"] <= fg["p99"],
              fp["p99"] is not None and px["p99"] is not None and fp["p99"] <= px["p99"]]
        txt = ("%s req/s = %s mod_fcgid (%s req/s; need ≥1.30×) and %s proxy_fcgi (%s req/s; "
               "need ≥1.00×); p99 %s ms vs %s ms (mod_fcgid) and %s ms (proxy_fcgi)"
               % (f0(fp["rps"]), fx(r_fg), f0(fg["rps"]), fx(r_px), f0(px["rps"]),
                  fms(fp["p99"]), fms(fg["p99"]), fms(px["p99"])))
        misses = [m for m, k in zip(["req/s vs mod_fcgid", "req/s vs proxy_fcgi",
                                     "p99 vs mod_fcgid", "p99 vs proxy_fcgi"], ok) if not k]
        if misses:
            txt += "; missed: " + ", ".join(misses)
        out.append(("%s at c=32: ≥1.3× mod_fcgid and ≥1.0× proxy_fcgi, p99 no worse" % name,
                    all(ok), txt))

    # 2. churn(100) >= 90% of our own no-churn rate: the median of the
    # pairs of back-to-back runs when there are any (a rate swings more
    # between the rounds' runs, minutes apart, than churn costs), else the
    # rounds' medians
    for wl, base, name in (("php_churn100", "php_hello", "PHP"), ("c_churn100", "c_hello", "C")):
        title = "%s churn(100) ≥ 90%% of no-churn (c=32)" % name
        ch, nc = g(wl, 32, "fcgiproc"), g(base, 32, "fcgiproc")
        # every setting a pair of this kind ran at: one with no usable pair
        # (each no-churn run stalled, a server down) fails, not drops out
        settings = pair_settings([r for r in results if r["workload"] in (base, wl)])
        paired = [(ag,) + churn_paired(results, "fcgiproc", base, wl, ag) for ag in settings]
        mine = [x for p in paired for x in p[1]]
        mine_runs = [x for p in paired for x in p[2]]
        if not (ch and nc) and not mine:
            out.append((title, None, "not measured"))
            continue
        parts, ok = [], None
        for ag, rs, runs, ran in paired:
            where = {"0": "kernel autogroup off (the run's setting)",
                     "1": "autogroup on (Debian's default)"}.get(ag, "autogroup %s" % ag)
            where = where + ": " if ag is not None else ""
            if not rs:
                ok = False
                parts.append("%sno usable pair of %d (no answer without churn)" % (where, ran))
                continue
            m = statistics.median(rs)
            ok = (ok is None or ok) and m >= 0.9
            txt = ("%smedian of %d pairs of back-to-back runs %.0f%% (need ≥90%%; pairs %s)%s, "
                   "errors %d" % (where, len(rs), 100 * m,
                                  ", ".join("%.0f%%" % (100 * x) for x in rs),
                                  "" if ran == len(rs) else
                                  "; %d of %d pairs unusable (no answer without churn)"
                                  % (ran - len(rs), ran),
                                  sum(p[k]["errors"] for p in runs for k in (base, wl))))
            theirs, their_runs = churn_paired(results, "proxy", base, wl, ag)[:2]
            if theirs:
                txt += "; %s, paired alike: median %.0f%% (pairs %s)" % (
                    "proxy_fcgi's spawn-fcgi loop, which starts the same app again as it exits"
                    if name == "C" else "php-fpm (pm.max_requests 100)",
                    100 * statistics.median(theirs),
                    ", ".join("%.0f%%" % (100 * x) for x in theirs))
            if name == "C":
                txt += churn_cost_text(churn_cost(runs, base, wl),
                                       churn_cost(their_runs, base, wl) if their_runs else None,
                                       "the loop")
                if their_runs:
                    txt += restart_cap_text(their_runs, base, wl)
            parts.append(txt)
        if ch and nc:
            r = ratio(ch["rps"], nc["rps"])
            if ok is None:
                ok = r is not None and r >= 0.9
            parts.append("%srounds' medians %s req/s vs %s req/s without churn = %.0f%%%s; errors %d" % (
                "for information, the " if mine else "", f0(ch["rps"]), f0(nc["rps"]),
                100 * (r or 0), "" if mine else " (need ≥90%)", ch["errors"]))
            c20 = g(wl.replace("100", "20"), 32, "fcgiproc")
            if c20:
                parts.append("churn(20): %s req/s = %.0f%%, errors %d" % (
                    f0(c20["rps"]), 100 * (ratio(c20["rps"], nc["rps"]) or 0), c20["errors"]))
            pch, pnc = g(wl, 32, "proxy"), g(base, 32, "proxy")
            if name == "C" and pch and pnc:
                parts.append("proxy_fcgi's spawn-fcgi loop in the rounds: %.0f%%"
                             % (100 * (ratio(pch["rps"], pnc["rps"]) or 0)))
        if name == "C":
            cpu = med([p[base]["cpu_per_1k"] for p in mine_runs]) if mine_runs else None
            floor = exec_floor({"cpu": cpu} if cpu else (nc or {}), meta)
            if floor:
                parts.append(floor[2:])
        out.append((title, ok, "; ".join(parts)))

    # 3. c=256: no errors, p99 within 3x of c=32
    for w in WORKLOADS:
        if w["churn"]:
            continue
        hi, lo = g(w["key"], 256, "fcgiproc"), g(w["key"], 32, "fcgiproc")
        if not (hi and lo):
            continue
        r = ratio(hi["p99"], lo["p99"])
        ok = hi["errors"] == 0 and r is not None and r <= 3.0
        txt = "errors %d in %d requests; p99 %s ms at c=256 vs %s ms at c=32 = %s (need ≤3×)" % (
            hi["errors"], hi["requests"], fms(hi["p99"]), fms(lo["p99"]), fx(r))
        ctx = []
        for other in ("proxy", "static"):
            oh, ol = g(w["key"], 256, other), g(w["key"], 32, other)
            if oh and ol:
                ctx.append("%s %s" % (SYS_TITLE[other], fx(ratio(oh["p99"], ol["p99"]))))
        if ctx:
            txt += "; the same ratio for " + ", ".join(ctx)
        out.append(("%s at c=256: no errors, p99 ≤ 3× c=32" % w["title"], ok, txt))

    # 4. the real application (issue 15)
    for wl, name in (("mw_churn50", "recycling every 50"), ("mw", "no recycling")):
        fp, px = g(wl, 16, "fcgiproc"), g(wl, 16, "proxy")
        if not (fp and px):
            continue
        r = ratio(fp["rps"], px["rps"])
        ok = r is not None and r >= 1.0 and fp["errors"] == 0
        txt = "%s req/s vs php-fpm's %s = %s (need ≥1.00×); errors %d / %d" % (
            f0(fp["rps"]), f0(px["rps"]), fx(r), fp["errors"], px["errors"])
        txt += round_ratios(fp, px) + cpu_split(fp, px)
        title = "MediaWiki, %s: req/s ≥ php-fpm's" % name
        if wl == "mw_churn50":
            rp = ratio(fp["p99"], px["p99"])
            ok = ok and rp is not None and rp <= 1.5
            txt += "; p99 %s ms vs %s ms = %s (need ≤1.5×)" % (fms(fp["p99"]), fms(px["p99"]), fx(rp))
            title += ", p99 ≤ 1.5× php-fpm's"
        out.append((title, ok, txt))
        rm = ratio(fp.get("pss"), px.get("pss"))
        out.append(("MediaWiki, %s: PSS of the app's processes ≤ 1.2× php-fpm's" % name,
                    rm is not None and rm <= 1.2,
                    "%s MiB in %d processes vs %s MiB in %d (php-fpm's master included) = %s "
                    "(need ≤1.20×)%s" % (f0(fp.get("pss")), fp.get("pss_procs") or 0,
                                         f0(px.get("pss")), px.get("pss_procs") or 0, fx(rm),
                                         pss_split(fp, px))))

    # the slow-starting application's processes
    sp = [r for r in A.get(("slow_start", 16, "fcgiproc"), {}).get("runs", [])]
    if sp:
        peak = max(r["procs_peak"] for r in sp)
        after = max(r["procs_after"] for r in sp)
        out.append(("An app that takes 1.5 s to start, c=16 and a graceful restart: processes "
                    "≤ clients + spawn-ahead allowance (18), idle ones gone after the idle "
                    "timeout", peak <= 18 and after <= 1,
                    "peak %d processes, %d left %ds after the load (FcgiProcIdleTimeout %ds, "
                    "minimum 1); errors %d" % (peak, after, SPAWN_AFTER, SPAWN_IDLE,
                                               sum(r["errors"] for r in sp))))

    # 5. 1 MiB POST and 64 KiB within 10% of proxy_fcgi
    for wl in ("c_post1m", "c_64k"):
        parts, oks = [], []
        for c in CONCS:
            fp, px = g(wl, c, "fcgiproc"), g(wl, c, "proxy")
            if not (fp and px):
                continue
            r = ratio(fp["rps"], px["rps"])
            oks.append(r is not None and r >= 0.9)
            parts.append("c=%d: %s vs %s req/s = %s%s" % (c, f0(fp["rps"]), f0(px["rps"]), fx(r),
                                                        "" if oks[-1] else " (missed)"))
        if parts:
            out.append(("%s within 10%% of proxy_fcgi (req/s ≥ 0.90×, every concurrency)"
                        % WL[wl]["title"], all(oks), "; ".join(parts)))
    return out


# ------------------------------------------------------------------ chart

def chart(A, active_keys, png, out_dir):
    panels = [w for w in WORKLOADS if not w["churn"] and w["kind"] != "mw"
              and w["key"] in active_keys]
    churn_groups = [("php", "PHP hello: retire every n requests (c=32)"),
                    ("c", "C hello: retire every n requests (c=32)")]
    churn_panels = [(kind, t) for kind, t in churn_groups
                    if any(w["kind"] == kind and w["churn"] and w["key"] in active_keys
                           for w in WORKLOADS)]
    os.makedirs(out_dir, exist_ok=True)
    files = []
    for w in panels:
        path = os.path.join(out_dir, "chart-%s.dat" % w["key"])
        with open(path, "w") as f:
            f.write("# conc " + " ".join(SYS_KEYS) + "\n")
            for c in w["concs"]:
                row = [A.get((w["key"], c, s), {}).get("rps") for s in SYS_KEYS]
                f.write("%d %s\n" % (c, " ".join("NaN" if v is None else "%.1f" % v for v in row)))
        files.append((w["title"] + ": req/s by concurrency", path, "concurrency (wrk -c)"))
    for kind, title in churn_panels:
        path = os.path.join(out_dir, "chart-churn-%s.dat" % kind)
        base = "php_hello" if kind == "php" else "c_hello"
        with open(path, "w") as f:
            f.write("# n " + " ".join(SYS_KEYS) + "\n")
            for label, key in (("none", base), ("100", "%s_churn100" % kind),
                               ("20", "%s_churn20" % kind)):
                row = [None if (s == "static" and key != base) else
                       A.get((key, 32, s), {}).get("rps") for s in SYS_KEYS]
                f.write("%s %s\n" % (label, " ".join("NaN" if v is None else "%.1f" % v for v in row)))
        files.append((title, path, "the app retires itself every n requests"))
    if not files:
        return False
    cols = 2 if len(files) > 1 else 1
    rows = (len(files) + cols - 1) // cols
    gp = ["set terminal pngcairo size %d,%d font 'DejaVu Sans,10'" % (640 * cols, 380 * rows),
          "set output '%s'" % png,
          "set multiplot layout %d,%d title 'mod\\_fcgiproc vs mod\\_fcgid vs proxy\\_fcgi vs static "
          "(median req/s, higher is better)'" % (rows, cols),
          "set key top left font ',9' box opaque",
          "set grid ytics",
          "set logscale y",
          "set ylabel 'req/s (log scale)'",
          "set style data linespoints"]
    colors = {"fcgiproc": "#d62728", "fcgid": "#1f77b4", "proxy": "#2ca02c", "static": "#7f7f7f"}
    for title, path, xlabel in files:
        gp.append("set title '%s'" % title.replace("_", "\\_"))
        gp.append("set xlabel '%s'" % xlabel)
        plots = []
        for i, s in enumerate(SYS_KEYS):
            plots.append("'%s' using 0:%d:xtic(1) title '%s' lw 2 pt 7 lc rgb '%s'%s"
                         % (path, i + 2, SYS_TITLE[s].replace("_", "\\_"), colors[s],
                            " dt 2" if s == "static" else ""))
        gp.append("plot " + ", ".join(plots))
    gp.append("unset multiplot")
    script = os.path.join(out_dir, "chart.gp")
    with open(script, "w") as f:
        f.write("\n".join(gp) + "\n")
    p = subprocess.run(["gnuplot", script], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        print("gnuplot failed:\n" + p.stderr)
        return False
    return True


# ------------------------------------------------------------------ report

def spawn_section(add, results):
    """The slow-starting application: processes at peak and after."""
    rs = [r for r in results if "procs_peak" in r and r.get("round", 0) >= 1]
    if not rs:
        return
    add("## A slow-starting application: how many processes")
    add("")
    add("The C test app sleeping %s ms before it accepts (`FCGP_START_DELAY_MS`), in a virtual "
        "host of its own (`*MaxProcessesPerClass 100`, `*IdleTimeout %s`; mod_fcgid also "
        "`FcgidIdleScanInterval 1`), `wrk -c16` for %s s from cold, a graceful restart %s s in.  "
        "Processes running the app counted in `/proc` every 0.1 s (every generation, exiting "
        "ones too); after: %s s after the load ended.  Target: at most the 16 clients plus the "
        "spawn-ahead allowance (one replacement started ahead, one on its way out: 18)."
        % (SPAWN_DELAY_MS_TXT, SPAWN_IDLE_TXT, SPAWN_SECONDS_TXT, SPAWN_AT_TXT, SPAWN_AFTER_TXT))
    add("")
    add("| system | processes at peak | processes after | requests | errors | graceful at (s) | "
        "load average (1 min) |")
    add("|---|--:|--:|--:|--:|--:|--:|")
    for r in sorted(rs, key=lambda r: (SYS_KEYS.index(r["system"]), r["round"])):
        add("| %s | %d | %d | %d | %d | %s | %.1f |" % (
            SYS_TITLE[r["system"]], r["procs_peak"], r["procs_after"], r["requests"],
            r["errors"], r.get("graceful_at"), r.get("load1", 0)))
    add("")


def mw_structure(pool, procs):
    """How mod_fcgiproc's MediaWiki was run (BENCH_MW_POOL; True and False
    are runs from before it had three values)."""
    if pool in ("auto", None):
        return (" and nothing else, as an admin writes it: php-cgi's parent mode, which the "
                "process manager grows into one php-cgi pool of the requests that come at "
                "once, a parent whose children share its socket and its opcode cache "
                "(README, \"php-cgi pools\")")
    if pool in ("fixed", True):
        return (" and `FcgiProcInitialEnv PHP_FCGI_CHILDREN %s` (`BENCH_MW_POOL=fixed`): one "
                "php-cgi pool of that many children, set by the admin" % procs)
    return (" and `FcgiProcInitialEnv PHP_FCGI_CHILDREN 1` (`BENCH_MW_POOL=0`): that many "
            "php-cgi parents with a child each")


def mw_section(add, results, meta):
    """The real application: every round side by side (the issue's table)."""
    rows = {}
    for r in results:
        if r.get("round", 0) >= 1 and r["workload"] in ("mw", "mw_churn50"):
            rows.setdefault((r["workload"], r["system"]), []).append(r)
    if not rows:
        return
    mw = meta.get("mediawiki", {})
    add("## A real application: MediaWiki")
    add("")
    add("Debian's MediaWiki %s on SQLite, installed for the run (`maintenance/install.php`) "
        "in a private directory; `ab -l -n %s -c %s` of `/index.php?title=Main_Page` per run, "
        "the systems alternating, %s rounds after %s warm-up requests each, and each run right "
        "after %s more (between two runs of the same system, minutes of other workloads pass, "
        "and mod_fcgiproc's pool, idle for `FcgiProcIdleTimeout` (300 s), retires whole and "
        "would grow again within the measured run).  Both systems "
        "have %s PHP processes: mod_fcgiproc `FcgiProcWrapper /usr/bin/php-cgi .php` with "
        "`FcgiProcMaxProcessesPerClass %s`%s (recycling: `FcgiProcInitialEnv "
        "PHP_FCGI_MAX_REQUESTS 50`), php-fpm a static pool of %s children behind "
        "mod_proxy_fcgi (recycling: `pm.max_requests = 50`), each MediaWiki pool under a "
        "php-fpm master of its own, as one site (the pools of one master share its opcode "
        "cache: in one master, each would carry only part of the compiled application's "
        "memory).  PSS: the total proportional "
        "set size (`/proc/<pid>/smaps_rollup`) of the application's processes, the median "
        "of one sample a second during the run (mod_fcgiproc: the php-cgi parent and its "
        "children; php-fpm: the pool's children and the master)."
        % (mw.get("version", "?"), mw.get("requests", "?"), mw.get("conc", "?"),
           mw.get("rounds", "?"), mw.get("warm", "?"), mw.get("warm_run", "?"),
           mw.get("procs", "?"),
           mw.get("procs", "?"),
           mw_structure(meta.get("mw_pool"), mw.get("procs", "?")),
           mw.get("procs", "?")))
    add("")
    add("| setup | req/s per round | p99 ms per round | PSS MiB per round (processes) | "
        "errors | load average (1 min) at the start of each run |")
    add("|---|---|---|---|--:|---|")
    for wl, wt in (("mw_churn50", "recycling every 50"), ("mw", "no recycling")):
        proxy_title = ("mod_proxy_fcgi + one php-cgi parent, %s children on one socket"
                       % mw.get("procs", "?") if meta.get("mw_proxy") == "php-cgi"
                       else "mod_proxy_fcgi + php-fpm")
        for sk, st in (("fcgiproc", "mod_fcgiproc, php-cgi"), ("proxy", proxy_title)):
            rs = sorted(rows.get((wl, sk), []), key=lambda r: r["round"])
            if not rs:
                continue
            add("| %s, %s | %s | %s | %s | %d | %s |" % (
                st, wt, ", ".join(f0(r["rps"]) for r in rs),
                ", ".join(fms(r["p99_ms"]) for r in rs),
                ", ".join("%s (%d)" % (f0(r.get("app_pss_mib")), r.get("app_pss_procs") or 0)
                          for r in rs),
                sum(r["errors"] for r in rs),
                ", ".join("%.1f" % r.get("load1", 0) for r in rs)))
    add("")
    add("What the structure does, as measured.  **One opcode cache or one per worker:** "
        "php-fpm's children share their master's opcode cache, and so do a php-cgi pool's "
        "children their parent's.  Before pools, each mod_fcgiproc worker was a php-cgi "
        "parent with a child (`PHP_FCGI_CHILDREN=1`, now the default only while one "
        "request comes at a time, and `BENCH_MW_POOL=0` here) and a cache of its own: in the full run of 2026-12-02 "
        "that took 572 MiB of PSS in 32 processes against php-fpm's 89 MiB (6.4x), and "
        "the compiled application's 16 copies cost CPU too: 64-65 req/s against 92-93 "
        "(0.69x-0.70x).  **What parent mode gained:** in the same conditions, recycling "
        "every 50 with parent mode off (`BENCH_MW_ROUNDS=1 BENCH_ONLY=mw_churn50:16 "
        "BENCH_MW_POOL=0 BENCH_FCGIPROC_CONF='FcgiProcInitialEnv PHP_FCGI_CHILDREN 0' make "
        "bench`, 2026-12-02) made 44 req/s with a p99 of 3,514 ms against php-fpm's 69 and "
        "342 ms: each new php-cgi compiled MediaWiki again.  **The pool** holds the request "
        "limit's guarantee as php-fpm does: each child leaves at `PHP_FCGI_MAX_REQUESTS` "
        "while the parent, which owns the socket, forks the next, so a request that comes "
        "meanwhile waits in the socket's queue (t/integration/test_exit_race.py: 20,000 "
        "requests, 0 failed, through a pool of 8 whose children leave every 20).  Rates "
        "swing between runs on this machine (php-fpm made 42 to 93 req/s recycling every "
        "50 in runs of the same two days): compare the systems within one run, round by "
        "round.")
    add("")


def write(data, report_path, png, out_dir):
    meta, results, anomalies = data["meta"], data["results"], data.get("anomalies", [])
    A = aggregate(results)
    active_keys = sorted({r["workload"] for r in results})
    chart_ok = chart(A, active_keys, png, out_dir)
    m = meta["machine"]
    L = []
    add = L.append
    rel_png = os.path.relpath(png, os.path.dirname(os.path.abspath(report_path)))
    add("# Benchmarks")
    add("")
    add("mod_fcgiproc against Debian's mod_fcgid, mod_proxy_fcgi (to php-fpm for PHP, to the "
        "C test app under spawn-fcgi) and a static file of the same body (the upper bound).  "
        "Written by `make bench` (bench/bench.py, bench/report.py) on %s%s; %d round%s of %g s "
        "per run, N = %d.  Raw numbers: `bench/out/results.json`; the report can be rewritten "
        "from it with `bench/bench.py --report bench/out/results.json`."
        % (meta["started"].replace("T", " "),
           " (BENCH_QUICK smoke run)" if meta.get("quick") else "",
           meta["rounds"], "" if meta["rounds"] == 1 else "s", meta["seconds"], meta["n"]))
    add("")
    if meta.get("interrupted"):
        add("**The run was %s: the numbers below are incomplete.**" % meta["interrupted"])
        add("")
    add("![req/s by concurrency](%s)" % rel_png if chart_ok else "(the chart could not be drawn)")
    add("")
    if chart_ok:
        add("Log scale; a median of 0 req/s (no answer within the run) has no point.")
        add("")
    notes = os.path.join(os.path.dirname(os.path.abspath(__file__)), "notes.md")
    if os.path.exists(notes) and not meta.get("quick"):
        add("## Notes")
        add("")
        add("(hand-written in `bench/notes.md` after reading the run it names; the "
            "numbers quoted there are from that run and a later run's tables may differ)")
        add("")
        with open(notes) as f:
            add(f.read().strip())
        add("")

    # -- summary
    add("## Summary (medians)")
    add("")
    add("req/s and p99 latency per system; errors are all non-2xx answers and socket errors "
        "(wrk) over all rounds; +kS: k runs in which not a single request was answered (wrk "
        "then reports no latency).  The churn rows (retire every 100 / 20 requests) run at c=32 only; "
        "a static file has no churn.")
    add("")
    add("| workload | c | req/s mod_fcgiproc | mod_fcgid | proxy_fcgi | static | p99 ms mod_fcgiproc "
        "| mod_fcgid | proxy_fcgi | static | errors fcgiproc / fcgid / proxy |")
    add("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|")
    for w, c in pairs(active_keys):
        a = {s: A.get((w["key"], c, s)) for s in SYS_KEYS}
        add("| %s | %d | **%s** | %s | %s | %s | **%s** | %s | %s | %s | %s |" % (
            w["title"], c,
            *[f0(a[s]["rps"]) if a[s] else "-" for s in SYS_KEYS],
            *[fms(a[s]["p99"]) if a[s] else "-" for s in SYS_KEYS],
            " / ".join(errs_short(a[s]) for s in APP_SYS)))
    add("")

    mw_section(add, results, meta)
    spawn_section(add, results)

    # -- ratios
    add("## Ratios (mod_fcgiproc ÷ the other)")
    add("")
    add("req/s: above 1 is better for mod_fcgiproc; p99 and CPU per request: below 1 is better.")
    add("")
    add("| workload | c | req/s ÷ mod_fcgid | req/s ÷ proxy_fcgi | p99 ÷ mod_fcgid | p99 ÷ proxy_fcgi "
        "| CPU/req ÷ mod_fcgid | CPU/req ÷ proxy_fcgi | req/s ÷ static |")
    add("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for w, c in pairs(active_keys):
        fp, fg, px, st = (A.get((w["key"], c, s)) for s in SYS_KEYS)
        if not fp:
            continue

        def rr(field, other):
            return fx(ratio(fp[field], other[field])) if other else "-"
        add("| %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            w["title"], c, rr("rps", fg), rr("rps", px), rr("p99", fg), rr("p99", px),
            rr("cpu", fg), rr("cpu", px), rr("rps", st)))
    add("")

    # -- targets
    add("## Targets")
    add("")
    T = targets(A, meta, results)
    nmet = sum(1 for t in T if t[1])
    add("%d of %d met." % (nmet, len(T)))
    add("")
    add("| target | result | numbers |")
    add("|---|---|---|")
    for title, ok, txt in T:
        add("| %s | %s | %s |" % (title, {True: "met", False: "**missed**", None: "n/a"}[ok], txt))
    add("")

    # -- full table
    add("## All results (medians over rounds)")
    add("")
    add("CPU: seconds of CPU (user+system) of httpd and every application process per 1,000 "
        "requests.  RSS: the highest sampled VmRSS during the runs, MiB: of one httpd child / "
        "all httpd children together (the parent excluded; mod_fcgiproc's and mod_fcgid's "
        "process managers are httpd children), and of one application worker / all of this "
        "workload's workers (their number).  spread: (max−min)/2 of the rounds' req/s, relative "
        "to the median.")
    add("")
    add("| workload | c | system | req/s | spread | p50 ms | p99 ms | CPU s/1k req | httpd RSS one / all "
        "| app RSS one / all (procs) | errors / requests |")
    add("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|---|")
    for w, c in pairs(active_keys):
        for s in SYS_KEYS:
            a = A.get((w["key"], c, s))
            if not a:
                continue
            app = "-" if s == "static" else "%s / %s (%d)" % (f1(a["app_max"]), f1(a["app_sum"]),
                                                               a["app_procs"])
            add("| %s | %d | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s / %d |" % (
                w["title"], c, SYS_TITLE[s], f0(a["rps"]), spread(a), fms(a["p50"]),
                fms(a["p99"]), f2(a["cpu"]), f1(a["httpd_max"]), f1(a["httpd_sum"]), app,
                errs(a), a["requests"]))
    add("")

    # -- anomalies / logs
    add("## Errors and log lines seen")
    add("")
    san = meta.get("sanity_failures") or []
    if san:
        add("Functional checks before the load (one request of each workload, and for the "
            "churn workloads %s sequential requests across retirements):" % "2n+5")
        add("")
        for x in san:
            add("- %s" % x)
        add("")
    if anomalies:
        add("During the run:")
        add("")
        for x in anomalies:
            add("- " + x.replace("\n", " / ")[:600])
        add("")
    elogs = meta.get("error_logs", {})
    if elogs:
        add("Error-log lines by level (LogLevel notice; startup/shutdown notices included) and the "
            "most frequent tags; full logs in `bench/out/logs/`:")
        add("")
        add("| server | lines by level | top tags |")
        add("|---|---|---|")
        for k, v in elogs.items():
            tags = sorted(v["tags"].items(), key=lambda kv: -kv[1])[:6]
            add("| %s | %s | %s |" % (k, ", ".join("%s %d" % kv for kv in sorted(v["levels"].items())),
                                      ", ".join("%s %d" % kv for kv in tags)))
        add("")
        for k, v in elogs.items():
            if k in ("fcgiproc", "static"):
                continue
            top = [t for t, _ in sorted(v["tags"].items(), key=lambda kv: -kv[1])
                   if t not in ROUTINE][:4]
            if top:
                add("<details><summary>%s: sample lines of its most frequent messages</summary>" % k)
                add("")
                add("```")
                for t in top:
                    for l in v["samples"].get(t, [])[:2]:
                        add(l[:400])
                add("```")
                add("</details>")
                add("")
        fp = elogs.get("fcgiproc")
        if fp:
            shown = [(t, ls) for t, ls in fp["samples"].items() if t not in ROUTINE]
            if shown:
                add("mod_fcgiproc error-log samples (up to 4 per tag):")
                add("")
                add("```")
                for t, ls in shown:
                    for l in ls:
                        add(l)
                add("```")
                add("")
    st = meta.get("fcgiproc_status")
    if isinstance(st, dict) and "classes" in st:
        add("mod_fcgiproc's status page at the end (`/fcgiproc-status?json`): %s exits in all."
            % st.get("exits_total"))
        add("")
        add("| class | processes | max | min | request limit | limit from |")
        add("|---|--:|--:|--:|--:|---|")
        for c in st["classes"]:
            add("| %s | %s | %s | %s | %s | %s |" % (c.get("class"), c.get("processes"), c.get("max"),
                                                     c.get("min"), c.get("limit"), c.get("limit_source")))
        add("")

    # -- setup
    add("## Machine")
    add("")
    add("- %s CPUs (`nproc`), %s, %s GiB RAM, kernel %s, Debian %s" % (
        m.get("nproc"), m.get("cpu"), m.get("mem_gib"), m.get("kernel"), m.get("debian")))
    add("- load average before / after: %s / %s (the machine is shared: other work may have "
        "run at the same time, which the alternation spreads over all systems)"
        % (" ".join(m.get("loadavg_start", [])), " ".join(m.get("loadavg_end", []))))
    loads = sorted(r.get("load1", 0) for r in results if r.get("round", 0) >= 1)
    if loads:
        add("- 1-minute load average at the start of the runs: median %.1f, range %.1f–%.1f "
            "(this 2-CPU machine was shared with other work during the run)"
            % (statistics.median(loads), loads[0], loads[-1]))
    ag = m.get("autogroup")
    if ag:
        # "asked" is BENCH_AUTOGROUP ("off" or "keep"); runs without it are
        # from when make bench switched it off by default
        add("- kernel.sched_autogroup_enabled during the run: %s (before: %s)%s" % (
            ag.get("during"), ag.get("before"),
            "; switched off for the run (%s) so that every system's threads compete with "
            "wrk's as equals (see `autogroup_off()` in bench/bench.py and the notes)"
            % ("BENCH_AUTOGROUP=off" if ag.get("asked") == "off" else
               "make bench's default before BENCH_AUTOGROUP=off")
            if ag.get("during") == "0" and ag.get("before") not in ("0", None) else
            "" if ag.get("during") in ("0", "absent") else
            "; on, left as it was (BENCH_AUTOGROUP=off switches it off for the run): the "
            "kernel shares the CPU between sessions first, which favours systems whose "
            "processes span more sessions (see the notes)"))
        if ag.get("pairs_after") is not None:
            add("- The churn pairs ran twice: at the run's setting, then at %s (switched back)"
                % ag["pairs_after"])
    add("- packages: " + ", ".join("%s %s" % kv for kv in sorted(m.get("packages", {}).items())))
    add("- mod_fcgiproc: git %s%s, .so built %s, sha256 %s…" % (
        m.get("git", "?"), " (uncommitted changes in: %s)" % ", ".join(m["git_dirty"])
        if m.get("git_dirty") else "", meta.get("module_mtime"), meta.get("module_sha256", "")[:16]))
    add("- wall time of the run: %d min %d s" % (meta.get("duration_s", 0) // 60,
                                                meta.get("duration_s", 0) % 60))
    add("")
    add("## Method and exact commands")
    add("")
    add("    make all && make bench          # BENCH_SECONDS=%g BENCH_ROUNDS=%d BENCH_PROCS=%d%s"
        % (meta["seconds"], meta["rounds"], meta["n"], " BENCH_QUICK=1" if meta.get("quick") else ""))
    add("")
    add("- Four private httpd instances run side by side for the whole benchmark (one per system, "
        "each with its own ServerRoot in a temp dir, listening on 127.0.0.1 only, %s, "
        "`LogLevel notice`, access log on, KeepAlive defaults).  Identical event MPM settings:"
        % "Debian's `/usr/sbin/apache2`")
    add("")
    for l in meta["mpm_conf"].strip().splitlines():
        add("      " + l)
    add("")
    add("- httpd: `%s`" % meta.get("commands", {}).get("httpd", "?"))
    add("- Load: `wrk -t2 -cC -dSs --latency --timeout %s URL` (`-t1` at c=1: wrk needs a "
        "connection per thread); the POST adds `-s bench/post_1m.lua` (a 1 MiB body of `x`).  "
        "An answer slower than %s counts as a wrk timeout error."
        % (meta["wrk_timeout"], meta["wrk_timeout"]))
    add("- Order: a warm-up run of 1 s at c=32 for every workload and system, then %d rounds; in "
        "each round every (workload, concurrency) runs on mod_fcgiproc, mod_fcgid, proxy_fcgi, "
        "static in turn, in that order in odd rounds and the other way round in even ones "
        "(A B C D, D C B A, …: what a run leaves behind falls on each system alike), %.1f s "
        "apart.  Medians over the rounds are reported.  MediaWiki has rounds of its own "
        "(`BENCH_MW_ROUNDS`); where they are more, the last round is its alone, and the slow "
        "start (its graceful restart) comes last."
        % (meta["rounds"], 0.3))
    cp = meta.get("churn_pairs") or {}
    if cp.get("pairs"):
        add("- Churn pairs (the churn targets' verdict): after the rounds, for each kind (C, PHP), "
            "%d pairs of %g s runs at c=32 per system (mod_fcgiproc, proxy_fcgi), the no-churn "
            "run and the churn(100) run back to back, their order turning each pair and the "
            "systems' order too; a warm-up run of each first.  When the run switched the "
            "kernel's autogroup off, the pairs run again after it is switched back.  The "
            "median of the pairs' ratios is the verdict, at every setting measured "
            "(`BENCH_CHURN_PAIRS`; results.json: the runs with `pair`, round 0, not in the "
            "rounds' medians)." % (cp["pairs"], cp.get("seconds", 3)))
    add("- Machine: over each run, the share of the machine's CPU time busy, idle and stolen by "
        "the hypervisor (`/proc/stat`), and its context switches and new processes per request "
        "(results.json: `idle_pct`, `steal_pct`, `ctxt_per_req`, `forks_per_1k`); before the "
        "load, the CPU of one start and exit of the test app and of `/bin/true` (the mean of 300, "
        "`wait4`'s rusage; results.json: `machine.exec_ms`).")
    add("- CPU: before and after each run, the sum of utime+stime+cutime+cstime "
        "(`/proc/<pid>/stat`) over the httpd parent and all its descendants, plus for proxy_fcgi "
        "the php-fpm master and the spawn-fcgi trees and their descendants.  Processes that "
        "exited meanwhile are counted through their parent's cutime/cstime.  wrk is not counted.  "
        "The application's share (MediaWiki's rate targets): the same sum over the system's "
        "processes of the measured workload whose parent is none of them (the php-cgi pool's "
        "parent and its children; the pool's php-fpm master and its children); httpd's share is "
        "the rest, with the CPU of any of the workload's processes the process manager reaped "
        "within the run.")
    add("- RSS: VmRSS sampled every second during each run; app workers are the processes of the "
        "workload's class (PHP: php-cgi / the php-fpm pool; C: the test app) with the workload's "
        "request limit (told apart by their environment or pool name).")
    add("- Workloads: PHP hello = `hello.php` printing `Hello world\\n` (12 bytes); C hello = the "
        "test app's default answer (`pid=… n=…`, about 18 bytes); 64 KiB = `app.fcgi?size=65536`; "
        "1 MiB POST = `app.fcgi?echo=1` reading the body and answering its length and FNV hash.  "
        "The static system serves files of the same bodies (for the POST: the echo answer; httpd "
        "reads and discards the body).  Before the load every workload is checked once on every "
        "system (status, body).")
    add("- Churn: the app retires itself after n requests.  PHP: `PHP_FCGI_MAX_REQUESTS=n` through "
        "`FcgiProcInitialEnv` / `FcgidInitialEnv` (mod_fcgiproc reads it, so this is the *declared* "
        "case), php-fpm `pm.max_requests = n`.  C: `FCGP_EXIT_AFTER=n` in the app's environment "
        "(`FcgiProcInitialEnv` / `FcgidInitialEnv` / spawn-fcgi's environment); "
        "`FcgiProcAppMaxRequests` is **not** set, so this is the *undeclared* case in which "
        "mod_fcgiproc's process manager learns the limit from the first exit (FCGP03011).  Each "
        "churn workload has its own `<VirtualHost>` on its own port (its own class / pool).")
    add("- Without churn, php-cgi still applies its built-in `PHP_FCGI_MAX_REQUESTS` default of "
        "500 under mod_fcgiproc and mod_fcgid (both left at their defaults); php-fpm's pool has "
        "`pm.max_requests = 0`.")
    add("")
    add("Per-system configuration (appended to the common httpd.conf; `@HTDOCS@`/`@ROOT@` are the "
        "temp ServerRoot's; the full files are copied to `bench/out/conf/`):")
    add("")
    for k, conf in meta.get("configs", {}).items():
        add("<details><summary>%s</summary>" % SYS_TITLE.get(k, k))
        add("")
        add("```apache")
        add(conf.rstrip())
        add("```")
        add("</details>")
        add("")
    cmds = meta.get("commands", {})
    if cmds:
        add("php-fpm (master as root, pools as www-data; php-cgi's php.ini and conf.d so both PHP "
            "setups load the same settings and extensions, opcache included):")
        add("")
        add("    PHP_INI_SCAN_DIR=/etc/php/8.2/cgi/conf.d %s" % cmds.get("php-fpm", "?"))
        add("")
        add("```ini")
        add(cmds.get("php-fpm.conf", "").rstrip())
        add("```")
        add("")
        mw = sorted(k for k in cmds if k.startswith("php-fpm.conf ("))
        if mw:
            add("MediaWiki's pools, each under a php-fpm master of its own (one site per master: "
                "the pools of one master share its opcode cache, and each would carry only part "
                "of the compiled application's memory):")
            add("")
            for k in mw:
                add("    PHP_INI_SCAN_DIR=/etc/php/8.2/cgi/conf.d %s"
                    % cmds.get("php-fpm " + k[len("php-fpm.conf "):], "?"))
                add("")
                add("```ini")
                add(cmds[k].rstrip())
                add("```")
                add("")
        add("spawn-fcgi for the C app (`-n` execs a sh that keeps N copies of the app accepting "
            "on the socket and restarts each one that exits):")
        add("")
        for c in cmds.get("spawn-fcgi", []):
            add("    " + c)
        add("")
    with open(report_path, "w") as f:
        f.write("\n".join(L) + "\n")
