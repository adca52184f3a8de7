#!/usr/bin/env python3
"""Erlang C (M/M/N) reference values, computed with exact arithmetic, for ErlangCTests.

docs/spec/forecast.md, "Forecast". Independent of the Swift code (which uses the Erlang B
recurrence in doubles): here the load A is an exact rational (`fractions.Fraction` of its
decimal text) and the wait probability is the textbook formula, evaluated exactly,

    C(N, A) = (A^N/N! · N/(N − A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N − A)),   N > A,

then, in `decimal` arithmetic at 60 significant digits (only the exponential is inexact),

    service level   SL(N) = 1 − C · exp(−(N − A) · T / h)
    mean wait       W(N)  = C · h / (N − A)
    required agents       = the least whole n > A with SL(n) ≥ target.

Overloaded (N ≤ A): wait probability 1, service level 0, mean wait "null" (the spec's
`0 < N ≤ A` rule); the required agents are still given. A = 0: C = 0 (nobody waits), so
the least whole n > 0, 1, meets any target below 1.

Output: Tests/Fixtures/erlang_c.tsv, tab-separated, a header line then one row per case:
agents, load, target_seconds, handle_seconds, sl_target (as written below), then
wait_probability, service_level, mean_wait_seconds (or null) with 17 significant digits,
and required_agents.

Regenerate (from the repository root; standard library only, a few seconds):

    python3 Tests/Reference/erlang_table.py            # writes Tests/Fixtures/erlang_c.tsv
    python3 Tests/Reference/erlang_table.py --out -    # prints it instead

The table is deterministic: rerunning it must leave the fixture unchanged (git diff empty).
"""
import argparse
import os
import sys
from decimal import Decimal, getcontext
from fractions import Fraction
from math import factorial

getcontext().prec = 60

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "Fixtures", "erlang_c.tsv")

# (agents N, load A, target seconds T, handle seconds h, service-level target), all as text.
CASES = [
    # A = 0: nobody waits; required = 1 (the least whole n > 0).
    (1, "0", "20", "180", "0.8"),
    (5, "0", "20", "300", "0.95"),
    # Tiny loads.
    (1, "0.000001", "20", "180", "0.8"),
    (2, "0.000001", "20", "180", "0.9"),
    (1, "0.001", "20", "180", "0.8"),
    (3, "0.001", "20", "240", "0.95"),
    # One agent.
    (1, "0.25", "30", "120", "0.9"),
    (1, "0.5", "20", "180", "0.8"),
    (1, "0.9", "20", "300", "0.8"),
    # N = A + 1, just above.
    (3, "2", "20", "180", "0.8"),
    (11, "10", "20", "300", "0.8"),
    (51, "50", "20", "240", "0.9"),
    (101, "100", "20", "300", "0.8"),
    # N slightly above a fractional A.
    (10, "9.999", "20", "180", "0.8"),
    (10, "9.9", "20", "300", "0.8"),
    (3, "2.9999", "20", "180", "0.9"),
    # Heavy staffing.
    (500, "480", "20", "180", "0.8"),
    (500, "480", "20", "300", "0.95"),
    (1000, "950", "20", "180", "0.8"),
    (1000, "950", "15", "600", "0.9"),
    (1000, "990.5", "20", "300", "0.8"),
    # Overloaded: N ≤ A.
    (1, "1", "20", "180", "0.8"),
    (5, "5", "20", "180", "0.8"),
    (5, "7.5", "20", "180", "0.8"),
    (10, "12.3456", "20", "300", "0.9"),
    (3, "3.000001", "20", "180", "0.8"),
    (480, "500", "20", "180", "0.8"),
    # T = 0 (SL = 1 − C) and a long target against a short handle time.
    (4, "3", "0", "180", "0.8"),
    (4, "3", "600", "60", "0.8"),
    # Typical contact-center rows: A between 2 and 50, T 20 s, h 180–600 s.
    (4, "2", "20", "180", "0.8"),
    (5, "2", "20", "180", "0.9"),
    (5, "3.5", "20", "240", "0.8"),
    (6, "3.5", "20", "240", "0.9"),
    (8, "5.125", "20", "300", "0.8"),
    (9, "7.25", "20", "420", "0.8"),
    (10, "7.25", "20", "420", "0.95"),
    (12, "9.6", "20", "180", "0.8"),
    (14, "12", "20", "300", "0.8"),
    (15, "12", "20", "300", "0.9"),
    (17, "12", "20", "300", "0.95"),
    (20, "17.8", "20", "360", "0.8"),
    (22, "17.8", "20", "360", "0.9"),
    (25, "21.3333", "20", "600", "0.8"),
    (28, "25", "20", "180", "0.8"),
    (30, "25", "20", "180", "0.95"),
    (31, "26.04", "20", "540", "0.9"),
    (36, "33.3", "20", "300", "0.8"),
    (38, "33.3", "20", "300", "0.9"),
    (45, "42", "20", "480", "0.8"),
    (47, "42", "20", "480", "0.95"),
    (50, "45.5", "20", "200", "0.8"),
    (53, "50", "20", "600", "0.8"),
    (55, "50", "20", "600", "0.9"),
    (58, "50", "20", "600", "0.95"),
    # Other thresholds.
    (7, "5", "15", "180", "0.8"),
    (7, "5", "30", "180", "0.8"),
    (16, "13.75", "10", "250", "0.9"),
]


def wait_probability(n, a):
    """C(n, a) exactly (a Fraction), for n > a ≥ 0: the textbook formula, scaled by
    q^n·n! (a = p/q) so that every term is an integer."""
    assert n > a >= 0
    if a == 0:
        return Fraction(0)
    p, q = a.numerator, a.denominator
    n_fact = factorial(n)
    # Σ_{k<n} a^k/k! · q^n·n! = Σ p^k q^(n−k) n!/k!
    total = 0
    falling = n_fact  # n!/k!, for k = 0
    for k in range(n):
        total += p ** k * q ** (n - k) * falling
        falling //= (k + 1)
    # a^n/n! · n/(n − a) · q^n·n! = p^n · n/(n − a) = p^n · n·q/(n·q − p)
    last = Fraction(p ** n * n * q, n * q - p)
    return last / (total + last)


def decimal(fraction):
    return Decimal(fraction.numerator) / Decimal(fraction.denominator)


def service_level(n, a, c, t, h):
    """1 − C·exp(−(n − a)·T/h), in Decimal."""
    exponent = -(Fraction(n) - a) * t / h
    return Decimal(1) - decimal(c) * decimal(exponent).exp()


def required_agents(a, t, h, target):
    n = int(a) + 1  # the least whole n > a (a ≥ 0)
    while True:
        c = wait_probability(n, a)
        if service_level(n, a, c, t, h) >= decimal(target):
            return n
        n += 1


def figure(value):
    """17 significant digits."""
    if value == 0:
        return "0"
    return format(value, ".16e")


def rows():
    out = []
    for n, load, t_text, h_text, target_text in CASES:
        a, t, h, target = Fraction(load), Fraction(t_text), Fraction(h_text), Fraction(target_text)
        if n > a:
            c = wait_probability(n, a)
            sl = service_level(n, a, c, t, h)
            wait = figure(decimal(c * h / (n - a)))
            c_text, sl_text = figure(decimal(c)), figure(sl)
        else:
            c_text, sl_text, wait = "1", "0", "null"
        out.append([str(n), load, t_text, h_text, target_text, c_text, sl_text, wait,
                    str(required_agents(a, t, h, target))])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="the TSV to write ('-': stdout)")
    args = parser.parse_args()
    header = ["agents", "load", "target_seconds", "handle_seconds", "sl_target", "wait_probability",
              "service_level", "mean_wait_seconds", "required_agents"]
    text = "".join("\t".join(row) + "\n" for row in [header] + rows())
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w") as f:
            f.write(text)
        print(f"wrote {len(CASES)} rows to {os.path.normpath(args.out)}")


if __name__ == "__main__":
    main()
