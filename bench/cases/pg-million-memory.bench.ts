import type { BenchCase } from '../lib.js';
import { millionDataset } from '../pg-million.js';
import { memory } from '../pg-million-rows.js';

/** PostgreSQL with 1,000,000 keys: memory with a full verification cache (bench/pg-million-rows.ts). */
const bench: BenchCase = {
  name: 'PostgreSQL, 1,000,000 keys: memory with a full verification cache',
  async run({ quick, log }) {
    const total = quick ? 100_000 : 1_000_000;
    const cacheEntries = quick ? 10_000 : 100_000;
    const data = await millionDataset(total, cacheEntries, log);
    try {
      return [await memory(data, cacheEntries, log)];
    } finally {
      await data.stop();
    }
  },
};
export default bench;
