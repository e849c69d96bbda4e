import { ServiceUnavailable } from '@weft/protocol';
import Database from 'better-sqlite3';

/** How long a query waits for a free read connection before the server says it is busy. */
const ACQUIRE_TIMEOUT_MS = 30_000;

interface Waiter {
  resolve: (db: Database.Database) => void;
  timer: NodeJS.Timeout;
}

/**
 * Read-only connections for queries. A streaming query keeps its statement open while the response
 * drains, and SQLite allows one open statement per connection, so each running query gets its own
 * connection. In WAL mode readers never block the writer, and each sees a consistent snapshot.
 */
export class ReadPool {
  private readonly idle: Database.Database[] = [];
  private readonly waiters: Waiter[] = [];
  private open = 0;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly maxConnections: number,
  ) {}

  async acquire(): Promise<Database.Database> {
    if (this.closed) throw new Error('the store is closed');
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.open < this.maxConnections) {
      this.open += 1;
      const db = new Database(this.path, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      return db;
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new ServiceUnavailable('all read connections are busy; try again later'));
        }, ACQUIRE_TIMEOUT_MS),
      };
      this.waiters.push(waiter);
    });
  }

  release(db: Database.Database): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(db);
    } else if (this.closed) {
      db.close();
      this.open -= 1;
    } else {
      this.idle.push(db);
    }
  }

  close(): void {
    this.closed = true;
    for (const db of this.idle.splice(0)) {
      db.close();
      this.open -= 1;
    }
  }
}

/** Prepared statements by SQL text, for one connection; bounded so ad-hoc query shapes cannot grow it. */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly maxEntries = 256) {}

  get(db: Database.Database, text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (statement) {
      // Refresh recency: Map iteration order is insertion order, so the oldest entry is first.
      this.statements.delete(text);
    } else {
      statement = db.prepare(text);
      if (this.statements.size >= this.maxEntries) {
        const oldest = this.statements.keys().next().value;
        if (oldest !== undefined) this.statements.delete(oldest);
      }
    }
    this.statements.set(text, statement);
    return statement;
  }
}
