/**
 * OverloadWatch: whether a server's queue is overloaded, with hysteresis so that a backlog
 * hovering at the limit does not flap: it enters when the backlog passes `backlogMax` and
 * leaves once it has drained to half of that. Update it whenever the backlog changes, on
 * arrival and on completion alike: a node checked only on arrival stays marked overloaded
 * long after a burst has drained, if nothing new comes its way.
 */
export interface OverloadEvents {
  enter(backlog: number): void;
  leave(backlog: number): void;
}

export class OverloadWatch {
  overloaded = false;

  constructor(
    private readonly backlogMax: number,
    private readonly on: OverloadEvents,
  ) {}

  update(backlog: number): void {
    if (!this.overloaded && backlog > this.backlogMax) {
      this.overloaded = true;
      this.on.enter(backlog);
    } else if (this.overloaded && backlog <= this.backlogMax / 2) {
      this.overloaded = false;
      this.on.leave(backlog);
    }
  }
}
