/**
 * The daily pipeline: Lambda-shaped handlers (`updateSymbols`, `fetchBatch`,
 * `aggregateResults`), the one state machine definition, the pipeline's own
 * row checks and watermarks, and the local runner behind `deno task pipeline`.
 * The CDK app (`pipeline-cdk/`) deploys the handlers through the entry points
 * in `lambda/` and the definition from `stateMachineDefinition`.
 *
 * @module
 */
export {
  type AggregateDeps,
  type AggregateEvent,
  aggregateResults,
  type BatchResult,
  type RunSummary,
} from "./aggregate_results.ts";
export {
  type CheckFailure,
  checkFetchedRows,
  type CheckInput,
  type CheckResult,
  type Hole,
  PIPELINE_CHECKS,
  type PipelineCheck,
} from "./checks.ts";
export {
  openPipeline,
  type OpenPipelineOptions,
  PIPELINE_ENV,
  type PipelineConfig,
  pipelineConfigFromEnv,
  type PipelineDeps,
} from "./config.ts";
export { type EventsReport, recordEvents } from "./events.ts";
export {
  type BatchLog,
  type BatchLogEntry,
  fetchBatch,
  type FetchBatchDeps,
  type FetchBatchEvent,
  type FetchBatchOutput,
  type SymbolFailure,
} from "./fetch_batch.ts";
export {
  type CoverageGap,
  type CoverageGrid,
  coverageGrid,
  type FailedSymbol,
  type PipelineHealth,
  pipelineHealth,
  type PipelineHealthOptions,
  type QuarantinedRow,
  type RunHealth,
} from "./health.ts";
export * from "./keys.ts";
export {
  LOCAL_RESOURCES,
  type LocalHandler,
  type LocalRunOptions,
  type LocalRunResult,
  preflight,
  type Progress,
  runPipelineLocally,
} from "./local_runner.ts";
export {
  type AslDefinition,
  FAILURE_SUBJECT,
  RESOURCE_PLACEHOLDERS,
  STATE_MACHINE_NAME,
  stateMachineDefinition,
  stateMachineJson,
  type StateMachineResources,
  TASK_STATES,
  type TaskStateName,
  taskStateNames,
} from "./state_machine.ts";
export {
  diffSymbols,
  type SymbolBatch,
  type SymbolChanges,
  symbolsCsv,
  toBatches,
  updateSymbols,
  type UpdateSymbolsDeps,
  type UpdateSymbolsEvent,
  type UpdateSymbolsOutput,
} from "./update_symbols.ts";
export { readWatermarks, type Watermark, writeWatermarks } from "./watermarks.ts";
export { defaultRunDate, type FetchWindow, fetchWindow } from "./windows.ts";
