/**
 * The time the documents (PDF, DOCX) of one queue delivery may take together, so that a
 * chunk of big documents never holds up the HTML pages beside them. The first document
 * of a delivery always starts; once the budget is spent, a document found later goes back
 * to the queue without counting an attempt and is read by a later delivery. Documents are
 * read one at a time: two big PDFs side by side would not fit one isolate's 128 MB.
 */
export class DocumentBudget {
  private spentMs = 0;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly limitMs: number) {}

  /** Whether another document may be read in this delivery. */
  allows(): boolean {
    return this.spentMs < this.limitMs;
  }

  /** Runs `read` after the documents before it, counting its time; null when the budget was spent by then. */
  async read<T>(read: () => Promise<T>): Promise<T | null> {
    const previous = this.turn;
    let done: () => void = () => {};
    this.turn = new Promise<void>((resolve) => {
      done = resolve;
    });
    await previous;
    if (!this.allows()) {
      done();
      return null;
    }
    const started = Date.now();
    try {
      return await read();
    } finally {
      this.spend(Date.now() - started);
      done();
    }
  }

  /** Counts the time one document took. */
  spend(ms: number): void {
    this.spentMs += Math.max(0, ms);
  }
}
