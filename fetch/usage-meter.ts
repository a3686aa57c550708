// Counting a batch's operations as they happen (lib/cost-ledger.ts): a meter per unit of
// work (a chunk attempt, a source read, a coordinator), bindings wrapped so every R2,
// queue and Durable Object call through them is counted, and the meter of the work in
// progress for outbound fetches (fetch/outbound-fetch.ts counts every request into it,
// the fetcher and the sitemap reader the body bytes they read).
import { AsyncLocalStorage } from "node:async_hooks";
import { addCounts, type CostCounts, emptyCounts } from "../lib/cost-ledger";

/** Running counts of one unit of work; `take` hands them over and starts again from zero. */
export class UsageMeter {
  private counts: CostCounts = emptyCounts();

  add(delta: Partial<CostCounts>): void {
    this.counts = addCounts(this.counts, delta);
  }

  /** The counts so far, without taking them. */
  peek(): CostCounts {
    return this.counts;
  }

  /** The counts so far; the meter is at zero after. */
  take(): CostCounts {
    const taken = this.counts;
    this.counts = emptyCounts();
    return taken;
  }
}

const current = new AsyncLocalStorage<UsageMeter>();

/** Runs `work` with `meter` as the meter of every outbound fetch it makes. */
export function metering<T>(meter: UsageMeter, work: () => Promise<T>): Promise<T> {
  return current.run(meter, work);
}

/** The meter of the work in progress, or null outside `metering`. */
export function currentMeter(): UsageMeter | null {
  return current.getStore() ?? null;
}

const CLASS_A = new Set(["put", "list", "createMultipartUpload"]);
const CLASS_B = new Set(["get", "head"]);

/** `bucket` with its Class A and B operations and the bytes it stores counted into `meter`. */
export function meteredBucket(bucket: R2Bucket, meter: UsageMeter): R2Bucket {
  return new Proxy(bucket, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (typeof value !== "function" || typeof property !== "string") return value;
      if (property === "put") {
        return async (...args: Parameters<R2Bucket["put"]>) => {
          meter.add({ r2ClassA: 1 });
          const written = await target.put(...args);
          if (written) meter.add({ r2BytesStored: written.size });
          return written;
        };
      }
      const counted = CLASS_A.has(property) ? { r2ClassA: 1 } : CLASS_B.has(property) ? { r2ClassB: 1 } : null;
      if (counted) {
        return (...args: unknown[]) => {
          meter.add(counted);
          return Reflect.apply(value, target, args);
        };
      }
      return value.bind(target);
    },
  });
}

/** `queue` with the messages it sends counted into `meter`. */
export function meteredQueue<Body>(queue: Queue<Body>, meter: UsageMeter): Queue<Body> {
  return {
    send: (body, options) => {
      meter.add({ queueMessages: 1 });
      return queue.send(body, options);
    },
    sendBatch: (messages, options) => {
      meter.add({ queueMessages: [...messages].length });
      return queue.sendBatch(messages, options);
    },
  } as Queue<Body>;
}

/** `namespace` whose stubs count each RPC call into `meter` (each call is a billed request). */
export function meteredNamespace<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  meter: UsageMeter,
): DurableObjectNamespace<T> {
  return new Proxy(namespace, {
    get(target, property) {
      const value = Reflect.get(target, property);
      if (property !== "getByName" && property !== "get")
        return typeof value === "function" ? value.bind(target) : value;
      return (...args: unknown[]) => meteredStub(Reflect.apply(value, target, args) as object, meter);
    },
  });
}

function meteredStub<S extends object>(stub: S, meter: UsageMeter): S {
  return new Proxy(stub, {
    get(target, property) {
      const value = Reflect.get(target, property);
      // `then` and symbols are how a stub is awaited or disposed, not calls.
      if (typeof value !== "function" || typeof property !== "string" || property === "then") return value;
      return (...args: unknown[]) => {
        meter.add({ doRequests: 1 });
        return Reflect.apply(value, target, args);
      };
    },
  });
}

/**
 * A Durable Object's storage whose SQL statements count the rows they write into
 * `meter`. A cursor's `rowsWritten` is final once it is consumed, so each is read when
 * the next statement starts, and the last one by `settle`.
 */
export class MeteredStorage {
  readonly storage: DurableObjectStorage;
  private last: SqlStorageCursor<Record<string, SqlStorageValue>> | null = null;

  constructor(
    storage: DurableObjectStorage,
    private readonly meter: UsageMeter,
  ) {
    const sql = new Proxy(storage.sql, {
      get: (target, property) => {
        const value = Reflect.get(target, property);
        if (property !== "exec") return typeof value === "function" ? value.bind(target) : value;
        return (...args: Parameters<SqlStorage["exec"]>) => {
          this.settle();
          this.last = target.exec(...args);
          return this.last;
        };
      },
    });
    this.storage = new Proxy(storage, {
      get: (target, property) => {
        if (property === "sql") return sql;
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** Counts the rows the last statement wrote. */
  settle(): void {
    if (this.last) this.meter.add({ sqliteRowsWritten: this.last.rowsWritten });
    this.last = null;
  }
}
