/**
 * Runs fn on every item with at most `width` calls in flight, each worker taking the next item as
 * soon as its call ends: steady pressure without queueing every call at once. fn gets the item and
 * its index.
 */
export async function inParallel<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i]!, i);
      }
    }),
  );
}
