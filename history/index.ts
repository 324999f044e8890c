/**
 * faultline's history checkers (`faultline/history`): generic consistency checking of
 * client-operation histories, recorded by a simulation or by Jepsen against a real system.
 * Linearizability (Wing–Gong–Lowe with P-compositionality, as Knossos and Porcupine) and
 * transactional anomalies (dependency-graph cycles, as Elle). Runs in Node and in the
 * browser; imports nothing else of faultline. This file only re-exports.
 */

export { checkHistory, HISTORY_MODELS, type HistoryCheckOptions, isTransactionalModel } from './check-history.ts';
export type { Anomaly, CheckOptions, CheckResult, Verdict } from './check-result.ts';
export { OPERATION_NAME_FIELDS } from './check-result.ts';
export { type ColumnarEntry, type ColumnarHistory, historyOf } from './columnar-history.ts';
export { checkTransactions, TRANSACTIONAL_MODELS, type TransactionalModel, type TransactionalOptions } from './elle/check-transactions.ts';
export { CONSISTENCY_LEVELS, type ConsistencyLevel, DEFAULT_CONSISTENCY, needsRealtime, prohibitedBy, prohibits } from './elle/consistency.ts';
export type { TransactionData } from './elle/explain.ts';
export { ListAppendLog, type ListAppendNames } from './elle/list-append-log.ts';
export { generateListAppendHistory, type ListAppendHistoryOptions } from './generate/list-append-history.ts';
export { generateRegisterHistory, plantLostUpdate, plantStaleRead, type RegisterHistoryOptions } from './generate/register-history.ts';
export type { History, Operation, OperationType, PairedOperation, Process } from './history.ts';
export { OPERATION_TYPES } from './history.ts';
export { HistoryRecorder, type OperationHandle } from './history-recorder.ts';
export { checkLinearizability, type LinearizabilityOptions } from './linearizability/check-linearizability.ts';
export { KvLog, type KvNames } from './linearizability/kv-log.ts';
export type { LinearizabilityModel, ModelOperation, Partition } from './linearizability/model.ts';
export { LINEARIZABILITY_MODELS } from './linearizability/models/registry.ts';
export type { WitnessOperation } from './linearizability/witness.ts';
export { pairOperations } from './pair-operations.ts';
export { formatHistoryEdn, parseEdnHistory } from './parse/edn-history.ts';
export { readEdn, readEdnValue } from './parse/edn-reader.ts';
export { HistoryParseError } from './parse/history-parse-error.ts';
export { parseJepsenLog } from './parse/jepsen-log.ts';
export { formatHistoryJson, JSON_HISTORY_FORMAT, parseJsonHistory } from './parse/json-history.ts';
export { detectFormat, HISTORY_FORMATS, type HistoryFormat, parseHistory } from './parse/parse-history.ts';
export { checkSession, sessionOf } from './session/check-session.ts';
