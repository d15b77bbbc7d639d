/** Figures from the bench's Redis server, for "how many Redis commands did a request cost". */
import { Redis } from 'ioredis';
import { REDIS_URL } from './nodes.js';

/** The server's total_commands_processed (every client's, this query's included). */
export async function redisCommandCount(): Promise<number> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  try {
    const m = /total_commands_processed:(\d+)/.exec(await client.info('stats'));
    return Number(m?.[1] ?? Number.NaN);
  } finally {
    client.disconnect();
  }
}
