/**
 * Runs the pipeline's state machine on this machine: the same ASL JSON the CDK
 * deploys, executed by aws-local-stepfunctions, with every Task state mapped to
 * its local handler (the same functions the Lambdas run).
 *
 * Facts this relies on (aws-local-stepfunctions 3.0.0): local handlers are
 * keyed by state name and the Task's `Resource` is ignored; with the optimised
 * `lambda:invoke` integration a handler gets `{FunctionName, Payload}` and
 * answers `{Payload, StatusCode}`; a Task without a local handler silently
 * calls the real Lambda through the AWS SDK — so {@link runPipelineLocally}
 * refuses to start unless every Task state has one; a Task's default timeout
 * is 60 s unless `TimeoutSeconds` says otherwise (the definition sets it).
 *
 * @module
 */

import { ConfigError, FetchError } from "../core/errors.ts";
import type { RunSummary } from "./aggregate_results.ts";
import { aggregateResults } from "./aggregate_results.ts";
import { openPipeline, type PipelineConfig } from "./config.ts";
import { fetchBatch, type FetchBatchOutput } from "./fetch_batch.ts";
import { runKey } from "./keys.ts";
import {
  type AslDefinition,
  stateMachineJson,
  type StateMachineResources,
  taskStateNames,
} from "./state_machine.ts";
import { updateSymbols, type UpdateSymbolsOutput } from "./update_symbols.ts";
import { defaultRunDate } from "./windows.ts";
import { loadPipelinePackage } from "../sources/_pipeline_packages.ts";

/** The ARNs the local definition carries (never called: every Task has a local handler). */
export const LOCAL_RESOURCES: StateMachineResources = {
  updateSymbolsFunction:
    "arn:aws:lambda:ap-southeast-2:000000000000:function:asxlab-local-UpdateASXSymbols",
  fetchStockDataFunction:
    "arn:aws:lambda:ap-southeast-2:000000000000:function:asxlab-local-FetchStockData",
  aggregateResultsFunction:
    "arn:aws:lambda:ap-southeast-2:000000000000:function:asxlab-local-AggregateResults",
  alertTopic: "arn:aws:sns:ap-southeast-2:000000000000:asxlab-local-alerts",
};

/** How far a run has got. */
export interface Progress {
  batchesDone: number;
  batchesTotal: number;
  symbolsDone: number;
  symbolsTotal: number;
  /** Symbols that failed so far. */
  failed: number;
  elapsedMs: number;
  /** Symbols fetched or failed per second so far. */
  symbolsPerSecond: number;
}

/** Options of {@link runPipelineLocally}. */
export interface LocalRunOptions {
  /** Lake, Yahoo URL, pause, retry policy… */
  config: PipelineConfig;
  /** Run date. @default {the last ASX session that has closed} */
  date?: string;
  /** Fetch these symbols instead of the ASX list. */
  symbols?: string[];
  /** Backfill from this date to the run date. */
  backfillFrom?: string;
  /** Publish a shrunken ASX list anyway. */
  force?: boolean;
  /**
   * Wait this long before each state-level retry instead of the definition's
   * intervals (60 s × 3 with backoff, 30 s × 2): for tests and impatient local
   * runs. @default {the definition's}
   */
  retryWaitMs?: number;
  /** Check that Yahoo and the ASX list answer before starting. @default {true} */
  preflight?: boolean;
  /** The clock. */
  now?: () => Date;
  /** HTTP client (tests). */
  fetch?: typeof fetch;
  /** Progress after every symbol (throttle it yourself). */
  onProgress?: (progress: Progress) => void;
  /** Handler log lines. */
  log?: (line: string) => void;
  /**
   * Replaces the local handlers (tests). A definition's Task state without an
   * entry here or among the defaults makes the run refuse to start.
   */
  handlers?: Partial<Record<string, LocalHandler>>;
  /** The definition to run. @default {the pipeline's, with {@link LOCAL_RESOURCES}} */
  definition?: AslDefinition;
}

/** A local stand-in for a Task state: gets the Task's input, answers its result. */
export type LocalHandler = (input: unknown) => Promise<unknown>;

/** What a local run did. */
export interface LocalRunResult {
  /** `SUCCEEDED`, or `FAILED` when the state machine ended in its failure state. */
  status: "SUCCEEDED" | "FAILED";
  /** The run date. */
  date: string;
  /** `runs/DATE.json`, when aggregation got as far as writing it. */
  summary: RunSummary | undefined;
  /** Failure alerts the run published (the NotifyFailure task's messages). */
  alerts: { subject: string; message: string }[];
  /** The error that failed the execution, when it failed. */
  error: { name: string; message: string } | undefined;
  /** The last progress. */
  progress: Progress;
}

/** Probes a URL: any HTTP answer means reachable. */
async function reachable(url: string, fetchImpl: typeof fetch): Promise<string | undefined> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5000);
  try {
    const res = await fetchImpl(url, { method: "GET", signal: controller.signal });
    await res.body?.cancel();
    return undefined;
  } catch (err) {
    return controller.signal.aborted ? "no answer within 5 s" : (err as Error).message;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks, before anything runs, that the servers the run needs answer, so an
 * offline machine fails in seconds with a message saying what to do rather
 * than after minutes of retries.
 *
 * @param options The run's options.
 * @returns When every needed server answered.
 * @throws {FetchError} Naming the server that did not and the fix.
 */
export async function preflight(options: LocalRunOptions): Promise<void> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const { yahooUrl, asxListUrl } = options.config;
  const yahoo = yahooUrl ?? "https://query2.finance.yahoo.com/";
  const why = await reachable(yahoo, fetchImpl);
  if (why !== undefined) {
    throw new FetchError(
      yahooUrl === undefined
        ? `Cannot reach Yahoo Finance (${yahoo}): ${why}. Without network, point the pipeline at a local server: --yahoo-url http://127.0.0.1:PORT (deno task fake-yahoo runs one)`
        : `Cannot reach the Yahoo server given by --yahoo-url (${yahooUrl}): ${why}. Is it running?`,
    );
  }
  if (options.symbols === undefined) {
    const list = asxListUrl ??
      "https://asx.api.markitdigital.com/asx-research/1.0/companies/directory/file";
    const listWhy = await reachable(list, fetchImpl);
    if (listWhy !== undefined) {
      throw new FetchError(
        `Cannot reach the ASX list (${list}): ${listWhy}. Pass the symbols instead (--symbols BHP.AX,CBA.AX or --symbols-file FILE), or a reachable list with --asx-url`,
      );
    }
  }
}

/**
 * Runs the state machine locally against the configured lake.
 *
 * @param options Settings, run date, symbols, backfill, retry waits, progress hooks.
 * @returns Status, summary, alerts and the final progress.
 * @throws {ConfigError} On bad options, or a Task state without a local handler (nothing runs).
 * @throws {FetchError} When the preflight finds a needed server unreachable.
 */
export async function runPipelineLocally(options: LocalRunOptions): Promise<LocalRunResult> {
  const definition = options.definition ??
    JSON.parse(stateMachineJson(LOCAL_RESOURCES)) as AslDefinition;
  const now = options.now ?? (() => new Date());
  const date = options.date ?? defaultRunDate(now());
  const started = Date.now();
  const progress: Progress = {
    batchesDone: 0,
    batchesTotal: 0,
    symbolsDone: 0,
    symbolsTotal: 0,
    failed: 0,
    elapsedMs: 0,
    symbolsPerSecond: 0,
  };
  const report = () => {
    progress.elapsedMs = Date.now() - started;
    progress.symbolsPerSecond = progress.elapsedMs > 0
      ? progress.symbolsDone / (progress.elapsedMs / 1000)
      : 0;
    options.onProgress?.({ ...progress });
  };
  const alerts: { subject: string; message: string }[] = [];
  let aggregateStartedAt: string | undefined;

  // Refuse before opening anything if a Task state would reach AWS.
  const lambda =
    (state: string, fn: (payload: never) => Promise<unknown>): LocalHandler => async (input) => {
      try {
        return { Payload: await fn((input as { Payload: never }).Payload), StatusCode: 200 };
      } catch (err) {
        // The definition decides what happens next (retry, catch); say so, as a retry may wait a minute.
        const e = err as Error;
        options.log?.(
          `${state} failed: ${e.name}: ${e.message} (the state machine retries or catches it as defined${
            options.retryWaitMs === undefined ? "; --retry-wait-ms shortens the waits" : ""
          })`,
        );
        throw err;
      }
    };
  const deps = {} as Awaited<ReturnType<typeof openPipeline>>;
  const defaults: Record<string, LocalHandler> = {
    UpdateASXSymbols: lambda("UpdateASXSymbols", async (payload) => {
      const out: UpdateSymbolsOutput = await updateSymbols(payload, deps.updateSymbols);
      progress.batchesTotal = out.symbolBatches.length;
      progress.symbolsTotal = out.symbolBatches.reduce((s, b) => s + b.symbols.length, 0);
      report();
      return out;
    }),
    FetchStockData: lambda("FetchStockData", async (payload) => {
      const out: FetchBatchOutput = await fetchBatch(payload, deps.fetchBatch);
      progress.batchesDone++;
      report();
      return out;
    }),
    AggregateResults: lambda("AggregateResults", (payload) => {
      aggregateStartedAt ??= now().toISOString();
      return aggregateResults(payload, deps.aggregate);
    }),
    NotifyFailure: (input) => {
      const { Subject, Message } = input as { Subject: string; Message: string };
      alerts.push({ subject: Subject, message: Message });
      return Promise.resolve({ MessageId: `local-${alerts.length}` });
    },
  };
  const handlers: Record<string, LocalHandler> = { ...defaults };
  for (const [name, h] of Object.entries(options.handlers ?? {})) if (h) handlers[name] = h;
  const tasks = taskStateNames(definition);
  const missing = tasks.filter((t) => handlers[t] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      `Cannot run the state machine locally: no local handler for Task state${
        missing.length > 1 ? "s" : ""
      } ${missing.map((m) => `"${m}"`).join(", ")} (it would call the real AWS resource)`,
    );
  }
  const taskHandlers = Object.fromEntries(tasks.map((t) => [t, handlers[t]!]));

  if (options.preflight !== false) await preflight(options);
  Object.assign(
    deps,
    await openPipeline(options.config, {
      now,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.log === undefined ? {} : { log: options.log }),
      onSymbol: (_symbol, ok) => {
        progress.symbolsDone++;
        if (!ok) progress.failed++;
        report();
      },
    }),
  );
  try {
    // Loaded here: the runner's engine (and its AWS SDK) costs start-up nothing else needs.
    const { ExecutionError, StateMachine } = await loadPipelinePackage(
      "aws-local-stepfunctions",
      () => import("aws-local-stepfunctions"),
    );
    const machine = new StateMachine(definition as never, {
      validationOptions: { checkPaths: true, checkArn: true },
    });
    const retryStates = Object.fromEntries(
      retryStateNames(definition).map((s) => [s, options.retryWaitMs!]),
    );
    const input = {
      date,
      ...(options.symbols === undefined ? {} : { symbols: options.symbols }),
      backfillFrom: options.backfillFrom ?? null,
      ...(options.force ? { force: true } : {}),
    };
    const execution = machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: taskHandlers as never,
        ...(options.retryWaitMs === undefined ? {} : { retryIntervalOverrides: retryStates }),
      },
    });
    let error: LocalRunResult["error"];
    try {
      await execution.result;
    } catch (err) {
      if (!(err instanceof ExecutionError)) throw err;
      const cause = (err.cause ?? err) as Error;
      error = { name: cause.name, message: cause.message };
    }
    report();
    let summary: RunSummary | undefined;
    const key = runKey(date);
    if (aggregateStartedAt !== undefined && (await deps.lake.store.head(key)) !== undefined) {
      const parsed = JSON.parse(
        new TextDecoder().decode(await deps.lake.store.get(key)),
      ) as RunSummary;
      // Only this run's: an aggregation that failed before writing leaves an older one in place.
      if (parsed.started_at >= aggregateStartedAt) summary = parsed;
    }
    return {
      status: error === undefined ? "SUCCEEDED" : "FAILED",
      date,
      summary,
      alerts,
      error,
      progress: { ...progress },
    };
  } finally {
    await deps.close();
  }
}

/** States with a `Retry` field, nested ones included. */
function retryStateNames(definition: AslDefinition): string[] {
  const out: string[] = [];
  const walk = (machine: unknown) => {
    const states = (machine as { States?: Record<string, Record<string, unknown>> })?.States ?? {};
    for (const [name, state] of Object.entries(states)) {
      if (Array.isArray(state.Retry)) out.push(name);
      if (state.Type === "Map") walk(state.ItemProcessor ?? state.Iterator);
    }
  };
  walk(definition);
  return out;
}
