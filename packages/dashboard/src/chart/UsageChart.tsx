import { useEffect, useRef, useState } from 'react';
import { codeWords, type Aligned } from '../chart-data.js';
import type { Drawn } from './draw.js';

/**
 * A time chart of verification counts (uPlot, drawn on a canvas), with the same numbers in a
 * table for screen readers and for anyone who wants the figures. `data-points` on the figure says
 * how many requests it holds, so a test can tell a drawn, non-empty chart from an empty one.
 * `empty`, when given, is said instead of drawing a chart whose every value is zero.
 */
export function UsageChart({ id, title, data, heightPx = 240, empty }: { id: string; title: string; data: Aligned; heightPx?: number; empty?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState(false);
  const total = data.series.reduce((n, s) => n + s.values.reduce((a, b) => a + b, 0), 0);
  const blank = data.series.length === 0 || (empty !== undefined && total === 0);

  useEffect(() => {
    const el = box.current;
    if (!el || blank) return;
    let drawn: Drawn | undefined;
    let gone = false;
    const observer = new ResizeObserver(() => drawn?.resize(el.clientWidth));
    import('./draw.js').then(
      ({ drawChart }) => {
        if (gone) return;
        el.replaceChildren();
        drawn = drawChart(el, data, codeWords, el.clientWidth || 320, heightPx);
        observer.observe(el);
      },
      () => setFailed(true),
    );
    return () => {
      gone = true;
      observer.disconnect();
      drawn?.destroy();
    };
  }, [data, heightPx, blank]);

  const rows = data.xs.map((x, i) => ({ x, values: data.series.map((s) => s.values[i] ?? 0) })).filter((r) => r.values.some((v) => v > 0));
  return (
    <figure className="chart" aria-labelledby={`${id}-title`} data-points={total}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      {blank ? (
        <p>{empty ?? 'No verifications in this window.'}</p>
      ) : (
        <div ref={box} className="chart-canvas" aria-hidden="true" />
      )}
      {failed && <p className="error">The chart could not be loaded; the figures are below.</p>}
      {rows.length > 0 && (
        <details>
          <summary>The figures</summary>
          <table tabIndex={0}>
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                {data.series.map((s) => (
                  <th scope="col" key={s.label}>
                    {codeWords(s.label)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.x}>
                  <td>{new Date(r.x * 1000).toLocaleString()}</td>
                  {r.values.map((v, i) => (
                    <td key={i}>{v}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </figure>
  );
}
