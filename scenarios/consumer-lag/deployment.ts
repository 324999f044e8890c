/**
 * Deployment: the orchestrator's desired state for the consumer service (as a Kubernetes
 * Deployment holds it): how many instances should run. It lives outside the simulated
 * failure domain (the orchestrator's own store is replicated): an instance that restarts
 * reads it and starts if its index is below the replica count, so a scale-out survives
 * crashes of the instances it started. Scaling is idempotent: it sets a count, never adds.
 */
export class Deployment {
  constructor(public replicas: number) {}

  scaleTo(replicas: number): void {
    this.replicas = Math.max(this.replicas, replicas);
  }
}
