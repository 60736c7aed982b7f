/** One server-sent event as a browser's EventSource would dispatch it. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * A text/event-stream reader over fetch, parsing as the HTML standard says (fields, comments,
 * a blank line ends an event), keeping everything it saw for assertions.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  /** Resolves when the server ends the stream (or it breaks). */
  readonly ended: Promise<void>;
  private readonly waiters = new Set<() => void>();
  private readonly abort: AbortController;

  private constructor(
    readonly response: Response,
    abort: AbortController,
  ) {
    this.abort = abort;
    this.ended = this.read();
  }

  /** Opens a stream; a non-200 answer is returned as the response with no client. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    return new SseClient(response, abort);
  }

  get lastEventId(): string | undefined {
    return this.events.findLast((event) => event.id !== undefined)?.id;
  }

  /** The first event (seen or still to come) that `match` accepts. */
  next(match: (event: SseEvent) => boolean, timeoutMs = 20_000): Promise<SseEvent> {
    return this.until(() => this.events.find(match), timeoutMs, () => `no matching event within ${timeoutMs} ms; saw ${JSON.stringify(this.events)}`);
  }

  /** The first comment line (seen or still to come) that is `text`, such as a heartbeat's `ping`. */
  comment(text: string, timeoutMs = 20_000): Promise<string> {
    return this.until(() => this.comments.find((comment) => comment === text), timeoutMs, () => `no "${text}" comment within ${timeoutMs} ms; saw ${JSON.stringify(this.comments)}`);
  }

  /** What `find` returns once it returns something (not undefined), woken by each line the stream reads. */
  async until<T>(find: () => T | undefined, timeoutMs: number, failure: () => string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(failure());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.add(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** Waits for the `ready` event: from then on, new events reach this stream. */
  ready(): Promise<SseEvent> {
    return this.next((event) => event.event === 'ready');
  }

  close(): void {
    this.abort.abort();
  }

  private async read(): Promise<void> {
    if (!this.response.ok || !this.response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    let current: { id?: string; event?: string; data: string[] } = { data: [] };
    try {
      for await (const chunk of this.response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let newline: number;
        while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
          if (line === '') {
            if (current.data.length > 0 || current.event) this.events.push({ id: current.id, event: current.event ?? 'message', data: current.data.join('\n') });
            current = { data: [] };
            this.wake();
          } else if (line.startsWith(':')) {
            this.comments.push(line.slice(1).trim());
            this.wake();
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') current.data.push(value);
            else if (field === 'event') current.event = value;
            else if (field === 'id') current.id = value;
          }
        }
      }
    } catch {
      // aborted by close(), or the connection broke: the stream has ended either way
    } finally {
      this.wake();
    }
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
    this.waiters.clear();
  }
}

/** The data of a `file.step` event. */
export interface StepData {
  fileId: string;
  step: string;
  status: 'done' | 'failed';
  file: { id: string; urls: { thumbnail?: string }; processing: { status: string } };
}

export const stepOf = (event: SseEvent) => JSON.parse(event.data) as StepData;
export const isStepFor = (fileId: string) => (event: SseEvent) => event.event === 'file.step' && stepOf(event).fileId === fileId;
