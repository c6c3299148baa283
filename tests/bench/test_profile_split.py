"""bench.profile's accounting: time inside a group of functions is counted once, however they nest or recurse."""

from __future__ import annotations

import cProfile
import pstats
import time

from bench.profile import inclusive_seconds


def _leaf(depth: int) -> None:
    if depth:
        _leaf(depth - 1)
    else:
        time.sleep(0.02)


def _middle() -> None:
    _leaf(3)  # recursive
    _leaf(0)


def _outer() -> None:
    _middle()
    time.sleep(0.02)


def _named(name: str):
    return lambda key: key[2] == name


def test_nested_and_recursive_calls_are_counted_once() -> None:
    profile = cProfile.Profile()
    profile.enable()
    _outer()
    profile.disable()
    stats = pstats.Stats(profile)
    outer = inclusive_seconds(stats, _named("_outer"))
    middle = inclusive_seconds(stats, _named("_middle"))
    leaf = inclusive_seconds(stats, _named("_leaf"))
    assert 0.055 < outer < 0.2  # three sleeps of 20 ms
    assert 0.035 < leaf <= middle < outer  # the recursion is not counted four times over
    group = inclusive_seconds(stats, lambda key: key[2] in {"_middle", "_leaf"})
    assert abs(group - middle) < 0.005  # a group counts its own nested calls once
