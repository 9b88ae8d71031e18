"""make bench's churn targets: the verdict comes from the pairs of
back-to-back runs (each autogroup setting's median), not from the rounds'
runs minutes apart, and the pairs stay out of the rounds' medians.

Runs bench/report.py on made-up results; no server, no load.
"""
import os
import sys

BENCH_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "..", "..", "bench")
sys.path.insert(0, BENCH_DIR)

import report  # noqa: E402

TITLE = "C churn(100) ≥ 90% of no-churn (c=32)"


def run(system, workload, rps, rnd=1, pair=None, autogroup=None, errors=0):
    r = {"system": system, "workload": workload, "conc": 32, "round": rnd,
         "rps": rps, "p50_ms": 1.0, "p99_ms": 2.0, "cpu_per_1k": 0.1,
         "httpd_rss_max_mib": 1, "httpd_rss_sum_mib": 1, "app_rss_max_mib": 1,
         "app_rss_sum_mib": 1, "app_procs": 8, "errors": errors,
         "requests": int(rps * 3), "non2xx": errors, "connect": 0, "read": 0,
         "write": 0, "timeout": 0}
    if pair:
        r.update(round=0, pair=pair, autogroup=autogroup)
    return r


def pairs(churn_rates, autogroup, system="fcgiproc"):
    out = []
    for i, c in enumerate(churn_rates, 1):
        out += [run(system, "c_hello", 1000.0, pair=i, autogroup=autogroup),
                run(system, "c_churn100", c, pair=i, autogroup=autogroup)]
    return out


# the rounds: churn at half the no-churn rate (runs minutes apart)
ROUNDS = [run("fcgiproc", "c_hello", 1000.0), run("fcgiproc", "c_churn100", 500.0)]


def verdict(results):
    A = report.aggregate(results)
    row = [t for t in report.targets(A, {}, results) if t[0] == TITLE]
    assert len(row) == 1
    return row[0][1], row[0][2]


def test_pairs_decide_not_rounds():
    ok, text = verdict(ROUNDS + pairs([950, 880, 920], "0")
                       + pairs([700, 900, 900], "0", "proxy"))
    assert ok is True
    assert "median of 3 pairs of back-to-back runs 92%" in text
    assert "pairs 95%, 88%, 92%" in text
    assert "paired alike: median 90%" in text          # the spawn-fcgi loop's
    assert "rounds' medians 500 req/s vs 1000 req/s" in text


def test_each_setting_must_pass():
    ok, text = verdict(ROUNDS + pairs([950, 920, 930], "0") + pairs([850, 880, 950], "1"))
    assert ok is False
    assert "autogroup off (the run's setting): median of 3 pairs" in text
    assert "autogroup on (Debian's default): median of 3 pairs of back-to-back runs 88%" in text
    ok, text = verdict(ROUNDS + pairs([850, 880, 950], "0") + pairs([950, 920, 930], "1"))
    assert ok is False


def test_pair_errors_are_reported():
    res = ROUNDS + pairs([950, 920, 930], "0")
    res[-1]["errors"] = 7
    ok, text = verdict(res)
    assert "errors 7" in text


def test_pairs_stay_out_of_round_medians():
    A = report.aggregate(ROUNDS + pairs([950, 920, 930], "0"))
    assert A[("c_churn100", 32, "fcgiproc")]["rps"] == 500.0
    assert A[("c_churn100", 32, "fcgiproc")]["rounds"] == 1


def test_without_pairs_the_rounds_decide():
    ok, text = verdict(ROUNDS)
    assert ok is False
    assert "500 req/s vs 1000 req/s without churn = 50% (need ≥90%)" in text


def test_a_setting_without_usable_pairs_fails():
    stalled = pairs([950, 920, 930], "1")
    for r in stalled:
        if r["workload"] == "c_hello":
            r["rps"] = 0.0
    ok, text = verdict(ROUNDS + pairs([950, 920, 930], "0") + stalled)
    assert ok is False
    assert "autogroup on (Debian's default): no usable pair of 3" in text


def test_unusable_pairs_are_counted():
    res = pairs([950, 920, 930], "0")
    res[0]["rps"] = 0.0            # pair 1's no-churn run: no answer
    ok, text = verdict(ROUNDS + res)
    assert "median of 2 pairs" in text
    assert "1 of 3 pairs unusable" in text


def test_pairs_run_only_for_kinds_with_both_workloads():
    import bench
    WL = bench.WL
    assert bench.pair_kinds([WL["c_hello"], WL["c_churn100"], WL["php_hello"]]) == ["c"]
    assert bench.pair_kinds([WL["c_churn100"], WL["php_churn100"]]) == []


def test_where_churn_goes_is_reported():
    """The line says what a retirement costs each system (CPU, context
    switches, idle machine), from the same pairs: the measured reason when
    the target is missed."""
    def costs(rs, cpu_churn, ctxt, idle):
        for r in rs:
            churn = r["workload"] == "c_churn100"
            r.update(cpu_per_1k=cpu_churn if churn else 0.1,
                     forks_per_1k=11.0 if churn else 1.0,   # 10 retirements more
                     ctxt_per_req=ctxt if churn else 4.0,
                     idle_pct=idle if churn else 0.5)
        return rs
    res = (ROUNDS + costs(pairs([800, 820, 810], "0"), 0.13, 7.25, 5.0)
           + costs(pairs([900, 880, 890], "0", "proxy"), 0.11, 4.5, 0.75))
    ok, text = verdict(res)
    assert ok is False
    assert ("where it goes (medians of the pairs, churn runs): a retirement costs "
            "3.0 ms of CPU (the loop 1.0 ms), 7.2 context switches per request "
            "(the loop 4.5), the machine idle 5.0% of the time (the loop 0.8%)") in text
    # the loop's own retirements (the app's start, first requests and exit)
    # against its 100 requests without churn: the ceiling for anyone
    assert ("the app restarted with no process manager (the loop) costs 1.0 ms of "
            "CPU per retirement, against 10.0 ms for the 100 requests a worker serves "
            "without churn: that alone caps churn(100) at 91%, whoever restarts it") in text
    # without the loop's pairs, ours alone
    ok, text = verdict(ROUNDS + costs(pairs([800, 820, 810], "0"), 0.13, 7.25, 5.0))
    assert "a retirement costs 3.0 ms of CPU, 7.2 context switches" in text
    assert "(the loop" not in text and "caps churn(100) at 91%" not in text
