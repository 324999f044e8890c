/**
 * What the command line, the server and the page share: the wire protocol (run requests,
 * run summaries, stream frames), running one scenario for a viewer, run links, the one
 * check of a run's inputs as text, replay commands and the first divergence of two runs.
 * Below cli/, server/ and web/, above scenarios/; free of Node and DOM APIs so the page can
 * use every part of it.
 */
export { firstDivergence } from './divergence.ts';
export * from './protocol.ts';
export { type ReplaySpec, replayCommand, replayParams, shellQuote } from './replay.ts';
export {
  ANOMALIES_MAX,
  HISTORY_OPERATIONS_MAX,
  type HistoryAnomalyView,
  type HistoryClaimView,
  type HistoryOperationView,
  type RunHistory,
  summarizeHistory,
} from './run-history.ts';
export {
  checkRunInput,
  FORBIDDEN_KEYS,
  faultsFromJson,
  type InputProblem,
  paramsFromJson,
  parseSeedText,
  presetMatching,
  type RunInput,
  type RunInputCheck,
  type RunInputText,
} from './run-input.ts';
export { decodeRunLink, encodeRunLink, nonDefaultParams, RUN_LINK_KEYS, type RunLink, type RunLinkKey, runLinkFields } from './run-link.ts';
export { type RunOutcome, summarizeRun } from './run-summary.ts';
export {
  BATCH_EVENTS_FIRST,
  BATCH_EVENTS_MAX,
  executeRun,
  FieldError,
  joinBatches,
  previewRun,
  type RunOutput,
  type RunTask,
  streamRun,
  TraceLimitError,
  validateRun,
} from './run-task.ts';
export { bucketMsFor, messageType, StatsCollector } from './trace-stats.ts';
