/** The consumer-lag scenario's own message: the autoscaler starts a standby consumer instance. */
export type ScaleMessage = { type: 'start' };
