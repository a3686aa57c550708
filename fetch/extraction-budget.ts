/**
 * The fetched bytes one isolate extracts at once. Extraction needs many times a page's size
 * (a 5 MB page of links took about 80 MB of heap), and a Worker has 128 MB, so pages share a
 * budget of body bytes: small pages pass side by side, a big one waits for room, and the
 * first in always starts however big it is. Waiters start in arrival order, so a big page
 * is not passed over by a stream of small ones.
 */
export class ExtractionBudget {
  private used = 0;
  private readonly waiting: { bytes: number; start: () => void }[] = [];

  constructor(private readonly limitBytes: number) {}

  /** Runs `work` once `bytes` fit beside the extractions under way. */
  async run<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    if (this.waiting.length === 0 && this.fits(bytes)) this.used += bytes;
    else await new Promise<void>((start) => this.waiting.push({ bytes, start }));
    try {
      return await work();
    } finally {
      this.used -= bytes;
      this.startWaiting();
    }
  }

  /** Bytes being extracted now (for tests). */
  get inUse(): number {
    return this.used;
  }

  private fits(bytes: number): boolean {
    return this.used === 0 || this.used + bytes <= this.limitBytes;
  }

  private startWaiting(): void {
    for (let next = this.waiting[0]; next && this.fits(next.bytes); next = this.waiting[0]) {
      this.waiting.shift();
      this.used += next.bytes;
      next.start();
    }
  }
}
