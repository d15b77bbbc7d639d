import type { BenchCase } from '../lib.js';
import { millionDataset } from '../pg-million.js';
import { cacheMisses } from '../pg-million-rows.js';

/** PostgreSQL with 1,000,000 keys: cache misses (bench/pg-million-rows.ts), on the bench's own cluster (bench/pg-instance.ts), stopped at the end. */
const bench: BenchCase = {
  name: 'PostgreSQL, 1,000,000 keys: cache misses',
  async run({ quick, log }) {
    const total = quick ? 100_000 : 1_000_000;
    const cacheEntries = quick ? 10_000 : 100_000;
    const data = await millionDataset(total, cacheEntries, log);
    try {
      return [await cacheMisses(data, quick ? 2000 : 10_000, log)];
    } finally {
      await data.stop();
    }
  },
};
export default bench;
