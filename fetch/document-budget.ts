/**
 * The time the documents (PDF, DOCX) of one queue delivery may take together, so that a
 * chunk of big documents never holds up the HTML pages beside them. The first document
 * of a delivery always starts; once the budget is spent, a document found later goes back
 * to the queue without counting an attempt and is read by a later delivery.
 */
export class DocumentBudget {
  private spentMs = 0;

  constructor(private readonly limitMs: number) {}

  /** Whether another document may be read in this delivery. */
  allows(): boolean {
    return this.spentMs < this.limitMs;
  }

  /** Counts the time one document took. */
  spend(ms: number): void {
    this.spentMs += Math.max(0, ms);
  }
}
