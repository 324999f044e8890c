/**
 * Deployment: the orchestrator's desired state for the consumer service (as a Kubernetes
 * Deployment holds it): how many instances should run. It lives outside the simulated
 * failure domain: an instance that restarts reads it and starts if its index is below the
 * replica count, so a scale-out survives crashes of the instances it started.
 */
export class Deployment {
  constructor(public replicas: number) {}
}
