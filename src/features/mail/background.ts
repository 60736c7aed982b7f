interface Log {
  error(details: object, message: string): void;
}

/**
 * Work started by a request that the request does not wait for (looking up an address,
 * queueing a notice). Failures are logged; `settle` lets shutdown and tests wait for it.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly log: Log) {}

  run(what: string, work: () => Promise<void>): void {
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: unknown) => this.log.error({ err: error, work: what }, 'mail work after a request failed'))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}
