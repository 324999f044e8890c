/**
 * The consumer-lag scenario's own messages: the autoscaler starts a standby consumer
 * instance, and the instance confirms it runs (the autoscaler re-sends until it hears so, as
 * an orchestrator reconciles until every pod it scheduled reports ready).
 */
export type ScaleMessage = { type: 'start' } | { type: 'started' };
