/**
 * Group commit for small inserts. Every MergeTree insert writes a new part whatever its size (measured in
 * chDB on ext4: 5–10 ms, mostly file-system time, for one row or ten), so items that concurrent callers
 * write at about the same time go out together. The oldest queued item waits at most `lingerMs(queued)`
 * for others (0: write at once, e.g. when no other caller could add one); one write runs at a time. Each caller's promise settles when the write holding its item is done, or failed:
 * then every caller of that write gets the error, as each would have with its own insert.
 */
export type GroupCommit<T> = (item: T) => Promise<void>;

export interface GroupCommitOptions {
  /** How long the first queued item may wait for more, given how many are queued (default 0). */
  lingerMs?: (queued: number) => number;
  /** Most items per write (default 1,000). */
  maxItems?: number;
}

export function groupCommit<T>(write: (items: T[]) => Promise<void>, opts: GroupCommitOptions = {}): GroupCommit<T> {
  const maxItems = opts.maxItems ?? 1000;
  let queue: Array<{ item: T; at: number; done: (e?: unknown) => void }> = [];
  let running = false;
  let timer: NodeJS.Timeout | null = null;

  async function writeBatch(): Promise<void> {
    running = true;
    const batch = queue.slice(0, maxItems);
    queue = queue.slice(batch.length);
    let error: unknown;
    try {
      await write(batch.map((b) => b.item));
    } catch (e) {
      error = e ?? new Error('group write failed');
    }
    running = false;
    for (const b of batch) b.done(error);
    schedule();
  }

  /** Write now if the oldest item has waited long enough (or enough are queued), else when it will have. */
  function schedule(): void {
    if (running || queue.length === 0) return;
    const wait = queue.length >= maxItems ? 0 : queue[0]!.at + (opts.lingerMs?.(queue.length) ?? 0) - Date.now();
    if (timer) clearTimeout(timer);
    timer = null;
    if (wait <= 0) void writeBatch();
    else
      timer = setTimeout(() => {
        timer = null;
        schedule();
      }, wait);
  }

  return (item) =>
    new Promise<void>((resolve, reject) => {
      queue.push({ item, at: Date.now(), done: (e) => (e === undefined ? resolve() : reject(e)) });
      schedule();
    });
}
