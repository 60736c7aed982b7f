/**
 * Something that happened to a user's things, told to every process that may hold a
 * stream of theirs (features/events/). Small and self-contained: it crosses Redis as JSON.
 */
export interface StepEnded {
  type: 'file.step';
  ownerId: string;
  fileId: string;
  jobId: string;
  step: string;
  status: 'done' | 'failed';
  /** When the step's end was recorded (the job row's updated_at): the event's position. */
  at: string;
}

export type BusEvent = StepEnded;

export type BusListener = (event: BusEvent) => void;

/** Carries events between processes: in-process, or Redis pub/sub. Delivery is best effort. */
export interface EventBus {
  /** Never throws: an event that cannot be sent is logged and lost (streams catch up on reconnect). */
  publish(event: BusEvent): Promise<void>;
  /** Resolves once events published from then on reach `listener`, with a function that stops it. */
  subscribe(listener: BusListener): Promise<() => void>;
  close(): Promise<void>;
}

/** The embedded bus: events reach only the streams of this process. */
export class InProcessEventBus implements EventBus {
  private readonly listeners = new Set<BusListener>();

  async publish(event: BusEvent): Promise<void> {
    for (const listener of this.listeners) listener(event);
  }

  async subscribe(listener: BusListener): Promise<() => void> {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
