"""make bench changes no kernel setting unless asked: BENCH_AUTOGROUP.

Runs bench/bench.py's option handling against a scratch file standing in
for /proc/sys/kernel/sched_autogroup_enabled; no server, no load.
"""
import os
import sys

import pytest

BENCH_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "..", "..", "bench")
sys.path.insert(0, BENCH_DIR)

import bench  # noqa: E402


@pytest.fixture
def knob(tmp_path):
    path = tmp_path / "sched_autogroup_enabled"
    path.write_text("1\n")
    return str(path)


def read(path):
    with open(path) as f:
        return f.read().strip()


@pytest.mark.parametrize("env,mode", [
    ({}, "keep"),
    ({"BENCH_AUTOGROUP": ""}, "keep"),
    ({"BENCH_AUTOGROUP": "keep"}, "keep"),
    ({"BENCH_AUTOGROUP": "off"}, "off"),
    ({"BENCH_AUTOGROUP": " off "}, "off"),
])
def test_mode(env, mode, knob):
    assert bench.autogroup_mode(env, knob) == mode


@pytest.mark.parametrize("value", ["on", "OFF", "0", "1", "yes"])
def test_mode_rejects_other_values(value, knob):
    with pytest.raises(SystemExit) as e:
        bench.autogroup_mode({"BENCH_AUTOGROUP": value}, knob)
    assert "BENCH_AUTOGROUP=%s" % value in str(e.value)


def test_default_changes_nothing(knob):
    mode = bench.autogroup_mode({}, knob)
    assert bench.autogroup_off(mode, knob) == ("1", None)
    assert read(knob) == "1"
    bench.autogroup_restore(None, knob)
    assert read(knob) == "1"


def test_off_switches_off_and_restores(knob):
    during, before = bench.autogroup_off("off", knob)
    assert (during, before) == ("0", "1")
    assert read(knob) == "0"
    bench.autogroup_restore(before, knob)
    assert read(knob) == "1"


def test_off_when_already_off(knob):
    with open(knob, "w") as f:
        f.write("0\n")
    assert bench.autogroup_off("off", knob) == ("0", None)


def test_no_autogroup_in_the_kernel(tmp_path):
    missing = str(tmp_path / "absent")
    assert bench.autogroup_mode({"BENCH_AUTOGROUP": "off"}, missing) == "off"
    assert bench.autogroup_off("off", missing) == ("absent", None)
    assert not os.path.exists(missing)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file")
def test_off_without_root_fails_early(knob):
    os.chmod(knob, 0o444)
    with pytest.raises(SystemExit) as e:
        bench.autogroup_mode({"BENCH_AUTOGROUP": "off"}, knob)
    assert "cannot write" in str(e.value)
