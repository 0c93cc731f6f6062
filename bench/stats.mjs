// Small statistics and timing helpers shared by the measurements.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Fisher-Yates, so that no variant always runs first or last in a round. */
export function shuffled(values) {
  const copy = [...values];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

export function microsPerItem(count, run) {
  const start = performance.now();
  run();
  return ((performance.now() - start) * 1000) / count;
}

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
