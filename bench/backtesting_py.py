#!/usr/bin/env python3
"""The python peer of `deno task bench backtest`, and the generator of the
backtesting.py golden values (tests/backtest/backtesting_py_golden_test.ts).

Runs kernc/backtesting.py itself, unmodified, from the directory named by
$BACKTESTING_PY (which holds the `backtesting` package), else bench/.build/
backtesting.py. backtesting.py imports bokeh at module import for its plots;
bokeh is not installable here and no plot is drawn, so this process alone gets a
stand-in `bokeh` package whose every name is an inert object. Nothing of
backtesting.py is changed or copied into this repository.

    python3 bench/backtesting_py.py optimize GOOG.csv   # 810-combination SmaCross sweep, maximize SQN
    python3 bench/backtesting_py.py run GOOG.csv '{"n1": 10, "n2": 30}' '{"commission": 0.002}'
    python3 bench/backtesting_py.py golden > tests/fixtures/backtest/backtesting_py_golden.json

Both print one JSON object on stdout. Needs pandas and numpy (Debian:
python3-pandas, python3-numpy).
"""
import time

T0 = time.perf_counter()

import importlib.abc
import importlib.machinery
import json
import math
import os
import sys
import types
import warnings


class _Inert:
    """Any bokeh object: callable, indexable, every attribute another one."""

    def __init__(self, *a, **k):
        pass

    def __call__(self, *a, **k):
        return _Inert()

    def __getattr__(self, name):
        return _Inert()

    def __getitem__(self, key):
        return _Inert()

    def __iter__(self):
        return iter(())


class _InertModule(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Inert()


class _BokehStandIn(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name == "bokeh" or name.startswith("bokeh."):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        return _InertModule(spec.name)

    def exec_module(self, module):
        module.__path__ = []


sys.meta_path.insert(0, _BokehStandIn())
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("BACKTESTING_PY") or os.path.join(HERE, ".build", "backtesting.py"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from backtesting import Backtest, Strategy  # noqa: E402
from backtesting.lib import crossover  # noqa: E402

T_IMPORTS = time.perf_counter() - T0
warnings.filterwarnings("ignore")


def read_bars(path):
    """A Yahoo-style CSV (or backtesting.py's GOOG.csv, dates in an unnamed first column), oldest first, holiday rows dropped."""
    df = pd.read_csv(path, index_col=0, parse_dates=True, na_values=["null"])
    df = df[["Open", "High", "Low", "Close", "Volume"]].dropna(subset=["Open", "High", "Low", "Close"])
    return df.sort_index()


def sma_rolling(values, n):
    """backtesting.py's own example SMA (pandas rolling mean)."""
    return pd.Series(values).rolling(n).mean()


def sma_talib(values, n):
    """TA-Lib's running sum, the arithmetic asxlab's sma() does: add, divide, subtract the value leaving."""
    out, s = np.full(len(values), np.nan), 0.0
    for i, x in enumerate(values):
        s += x
        if i >= n - 1:
            out[i] = s / n
            s -= values[i - n + 1]
    return out


class SmaCross(Strategy):
    """SMA crossover: long on a cross up, closed on a cross down; with `reverse`, close and reverse on each cross."""
    n1 = 10
    n2 = 30
    reverse = False
    sma = staticmethod(sma_rolling)

    def init(self):
        self.sma1 = self.I(self.sma, self.data.Close, self.n1)
        self.sma2 = self.I(self.sma, self.data.Close, self.n2)

    def next(self):
        if crossover(self.sma1, self.sma2):
            if self.reverse:
                self.position.close()
                self.buy()
            elif not self.position:
                self.buy()
        elif crossover(self.sma2, self.sma1):
            if self.reverse:
                self.position.close()
                self.sell()
            elif self.position:
                self.position.close()


class SmaCrossExact(SmaCross):
    """The same with TA-Lib's SMA arithmetic, so both engines see the very same indicator values."""
    sma = staticmethod(sma_talib)


def clean(v):
    if isinstance(v, pd.Timedelta):
        return v.days + v.seconds / 86400
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else float(v)
    return v


FIXTURES = "tests/fixtures"
GOLDEN_CASES = [
    # name, CSV (relative to the repository), strategy params, backtesting.py options
    ("GOOG long, commission", f"{FIXTURES}/backtest/GOOG.csv", {"n1": 10, "n2": 30},
     {"cash": 10_000, "commission": 0.002}),
    ("GOOG reverse, spread", f"{FIXTURES}/backtest/GOOG.csv", {"n1": 10, "n2": 30, "reverse": True},
     {"cash": 10_000, "spread": 0.001}),
    ("GOOG long, spread and commission", f"{FIXTURES}/backtest/GOOG.csv", {"n1": 10, "n2": 30},
     {"cash": 10_000, "spread": 0.001, "commission": 0.001}),
    ("BHP.AX long, commission", f"{FIXTURES}/asx-ohlcv/francisbyrne-algotrade/BHP.AX.csv",
     {"n1": 20, "n2": 50}, {"cash": 100_000, "commission": 0.001}),
    ("CSL.AX reverse, spread", f"{FIXTURES}/asx-ohlcv/vvilp-stock/CSL.AX.csv",
     {"n1": 10, "n2": 40, "reverse": True}, {"cash": 100_000, "spread": 0.002}),
]


def run_case(path, params, options):
    bt = Backtest(read_bars(path), SmaCrossExact, **options)
    stats = bt.run(**params)
    trades = stats["_trades"]
    return {
        "stats": {k: clean(v) for k, v in stats.items() if not k.startswith("_")},
        "trades": [{"size": int(r.Size), "entryBar": int(r.EntryBar), "exitBar": int(r.ExitBar),
                    "entryPrice": float(r.EntryPrice), "exitPrice": float(r.ExitPrice),
                    "pnl": float(r.PnL), "return": float(r.ReturnPct)}
                   for r in trades.itertuples()],
    }


def main(argv):
    mode = argv[1]
    if mode == "golden":
        root = os.path.dirname(HERE)
        commit = "unknown"
        try:
            commit = open(os.path.join(sys.path[0], "COMMIT")).read().strip()
        except OSError:
            pass
        cases = [{"name": name, "csv": csv, "params": params, "options": options,
                  **run_case(os.path.join(root, csv), params, dict(options))}
                 for name, csv, params, options in GOLDEN_CASES]
        print(json.dumps({
            "generator": "python3 bench/backtesting_py.py golden",
            "backtestingPy": f"kernc/backtesting.py @ {commit}",
            "pandas": pd.__version__, "numpy": np.__version__,
            "note": "backtesting.py defaults otherwise: all-in orders (1 - eps of equity), "
                    "finalize_trades=False (open trades stay out of the statistics)",
            "cases": cases}, indent=1))
        return
    path = argv[2]
    t = time.perf_counter()
    df = read_bars(path)
    t_load = time.perf_counter() - t
    if mode == "optimize":
        bt = Backtest(df, SmaCross, cash=10_000)
        t = time.perf_counter()
        stats = bt.optimize(n1=range(5, 51), n2=range(20, 201, 10), constraint=lambda p: p.n1 < p.n2,
                            maximize="SQN")
        t_opt = time.perf_counter() - t
        best = stats._strategy
        print(json.dumps({
            "importSeconds": T_IMPORTS, "loadSeconds": t_load, "optimizeSeconds": t_opt,
            "best": {"n1": int(best.n1), "n2": int(best.n2), "SQN": clean(stats["SQN"]),
                     "Return [%]": clean(stats["Return [%]"]), "# Trades": int(stats["# Trades"])},
            "pandas": pd.__version__, "numpy": np.__version__,
        }))
    elif mode == "run":
        params = json.loads(argv[3]) if len(argv) > 3 else {}
        options = json.loads(argv[4]) if len(argv) > 4 else {}
        t = time.perf_counter()
        result = run_case(path, params, options)
        print(json.dumps({"runSeconds": time.perf_counter() - t, **result}))
    else:
        raise SystemExit(f"unknown mode {mode!r}: optimize or run")


if __name__ == "__main__":
    main(sys.argv)
