#!/usr/bin/env python3
"""Independent reference for tests/backtest/golden_test.ts (standard library only).

Re-implements, from DESIGN.md "Numbers we promise", a long-only SMA 10/30
crossover on tests/fixtures/backtest/goog_like_600.csv with 100 000 cash and a
0.2 % commission (market orders fill at the next open, all-in whole shares,
the open trade closed at the last close), then every stat with textbook
two-pass formulas and math.log, and prints them as JSON. The golden test pins
these values; they were not copied from the engine.

    python3 tests/backtest/golden_reference.py
"""
import csv, json, math, os, datetime

HERE = os.path.dirname(os.path.abspath(__file__))
rows = list(csv.DictReader(open(os.path.join(HERE, "../fixtures/backtest/goog_like_600.csv"))))
dates = [datetime.date.fromisoformat(r["Date"]) for r in rows]
o = [float(r["Open"]) for r in rows]
c = [float(r["Close"]) for r in rows]
n = len(c)
CASH, COMM, FAST, SLOW, A = 100_000.0, 0.002, 10, 30, 252

def sma(v, p):  # TA-Lib running sum: add, divide, subtract the value leaving
    out, s = [math.nan] * len(v), 0.0
    for i, x in enumerate(v):
        s += x
        if i >= p - 1:
            out[i] = s / p
            s -= v[i - p + 1]
    return out

f, s = sma(c, FAST), sma(c, SLOW)
warm = SLOW - 1                 # first bar where both are defined
start = warm + 1                # onBar runs from here
cash, pos, pending = CASH, 0, None
equity, trades, fees = [0.0] * n, [], 0.0
entry = None
for i in range(n):
    if pending == "buy":
        price = o[i]
        k = math.floor(cash / (price * (1 + COMM)))
        while k > 0 and k * price + COMM * k * price > cash:
            k -= 1
        fee = COMM * k * price
        cash -= k * price + fee; fees += fee; pos = k
        entry = (i, price, fee)
    elif pending == "close":
        price, fee = o[i], COMM * pos * o[i]
        cash += pos * price - fee; fees += fee
        trades.append((entry, (i, price, fee), pos)); pos = 0
    pending = None
    if i >= start:
        up = f[i - 1] < s[i - 1] and f[i] > s[i]
        down = f[i - 1] > s[i - 1] and f[i] < s[i]
        if up and pos == 0: pending = "buy"
        elif down and pos > 0: pending = "close"
    equity[i] = cash + pos * c[i]
if pos:
    price, fee = c[-1], COMM * pos * c[-1]
    cash += pos * price - fee; fees += fee
    trades.append((entry, (n - 1, price, fee), pos)); pos = 0
    equity[-1] = cash

def mean(x): return sum(x) / len(x)
def var(x):
    m = mean(x); return sum((v - m) ** 2 for v in x) / (len(x) - 1)
days = lambda a, b: (dates[b] - dates[a]).days

r = [equity[i] / equity[i - 1] - 1 for i in range(1, n)]
g = math.exp(mean([math.log(1 + x) for x in r])) - 1
ann = (1 + g) ** A - 1
vol = math.sqrt((var(r) + (1 + g) ** 2) ** A - (1 + g) ** (2 * A))
duration = days(0, n - 1)
peak, dd = -math.inf, []
for e in equity:
    peak = max(peak, e); dd.append(1 - e / peak)
marks = sorted(set([i for i in range(n) if dd[i] == 0] + [n - 1]))
episodes = [(a, b) for a, b in zip(marks, marks[1:]) if b > a + 1]
dd_peaks = [max(dd[a:b + 1]) for a, b in episodes]
dd_durs = [days(a, b) for a, b in episodes]
le = [math.log(equity[i] / equity[i - 1]) for i in range(1, n)]
lm = [math.log(c[i] / c[i - 1]) for i in range(1, n)]
me, mm = mean(le), mean(lm)
beta = (sum((a - me) * (b - mm) for a, b in zip(le, lm)) / (n - 2)) / var(lm)
ret = (equity[-1] - equity[0]) / equity[0] * 100
bh = (c[-1] / c[warm] - 1) * 100
pnl = [k * (x[1] - e[1]) - (e[2] + x[2]) for e, x, k in trades]
rets = [(x[1] / e[1] - 1) - (e[2] + x[2]) / (k * e[1]) for e, x, k in trades]
durs = [days(e[0], x[0]) for e, x, k in trades]
covered = set()
for e, x, k in trades: covered.update(range(e[0], x[0] + 1))
wins = [p for p in pnl if p > 0]; losses = [p for p in pnl if p < 0]
W = len(wins) / len(pnl)
max_dd = max(dd)
stats = {
    "Start": dates[0].isoformat(), "End": dates[-1].isoformat(), "Duration": duration,
    "Exposure Time [%]": len(covered) / n * 100,
    "Equity Final [$]": equity[-1], "Equity Peak [$]": max(equity), "Commissions [$]": fees,
    "Return [%]": ret, "Buy & Hold Return [%]": bh,
    "Return (Ann.) [%]": ann * 100, "Volatility (Ann.) [%]": vol * 100,
    "CAGR [%]": ((equity[-1] / equity[0]) ** (365.25 / duration) - 1) * 100,
    "Sharpe Ratio": ann / vol,
    "Sortino Ratio": ann / (math.sqrt(mean([min(x, 0) ** 2 for x in r])) * math.sqrt(A)),
    "Calmar Ratio": ann / max_dd,
    "Alpha [%]": ret - beta * bh, "Beta": beta,
    "Max. Drawdown [%]": -max_dd * 100, "Avg. Drawdown [%]": -mean(dd_peaks) * 100,
    "Max. Drawdown Duration": max(dd_durs), "Avg. Drawdown Duration": mean(dd_durs),
    "# Trades": len(trades), "Win Rate [%]": W * 100,
    "Best Trade [%]": max(rets) * 100, "Worst Trade [%]": min(rets) * 100,
    "Avg. Trade [%]": (math.exp(mean([math.log(1 + x) for x in rets])) - 1) * 100,
    "Max. Trade Duration": max(durs), "Avg. Trade Duration": mean(durs),
    "Profit Factor": sum(x for x in rets if x > 0) / abs(sum(x for x in rets if x < 0)),
    "Expectancy [%]": mean(rets) * 100,
    "SQN": math.sqrt(len(pnl)) * mean(pnl) / math.sqrt(var(pnl)),
    "Kelly Criterion": W - (1 - W) / (mean(wins) / -mean(losses)),
    "Avg. Win [$]": mean(wins), "Avg. Loss [$]": mean(losses),
}
print(json.dumps(stats, indent=2))
