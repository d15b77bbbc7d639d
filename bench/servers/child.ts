/**
 * What every bench server process shares: it reports its address (and anything else the parent
 * needs) once listening, answers `{ type: 'cpu' }` with its CPU time so far, and can record a
 * CPU profile of just the measured window (`{ type: 'profile-start' }` / `{ type: 'profile-stop', file }`),
 * which `--cpu-prof` cannot: that one includes start-up.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

export function ready(info: Record<string, unknown>): void {
  let session: Session | undefined;
  process.on('message', (m: { type?: string; file?: string }) => {
    if (m.type === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: usage.user + usage.system });
    } else if (m.type === 'profile-start') {
      session = new Session();
      session.connect();
      session.post('Profiler.enable', () => session!.post('Profiler.start', () => process.send?.({ type: 'profile-started' })));
    } else if (m.type === 'profile-stop' && session) {
      session.post('Profiler.stop', (err, result) => {
        if (!err && m.file) writeFileSync(m.file, JSON.stringify(result.profile));
        session!.disconnect();
        session = undefined;
        process.send?.({ type: 'profile-stopped' });
      });
    }
  });
  process.on('SIGINT', () => process.exit(0));
  process.send?.(info);
}
