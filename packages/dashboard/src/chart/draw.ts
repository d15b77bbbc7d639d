import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Aligned } from '../chart-data.js';

/**
 * The one place uPlot is used. This module is loaded on demand (UsageChart's dynamic import), so
 * the sign-in page and the lists never download the chart library.
 *
 * Line colours have at least 3:1 contrast on white (WCAG 1.4.11, graphics); each series also has
 * its own dash pattern, so the lines are told apart without colour too.
 */
const COLOURS = ['#146c2e', '#b3261e', '#0b57d0', '#8a4b00', '#6d28d9', '#0f766e', '#a21caf', '#4a5360'];
const DASHES: (number[] | undefined)[] = [undefined, [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3], [10, 4], [3, 6]];

export interface Drawn {
  resize(widthPx: number): void;
  destroy(): void;
}

export function drawChart(el: HTMLElement, data: Aligned, labels: (code: string) => string, widthPx: number, heightPx: number): Drawn {
  const plot = new uPlot(
    {
      width: widthPx,
      height: heightPx,
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{ stroke: '#4a5360' }, { stroke: '#4a5360', values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) }],
      series: [
        { label: 'Time' },
        ...data.series.map((s, i) => ({
          label: labels(s.label),
          stroke: COLOURS[i % COLOURS.length]!,
          width: 2,
          points: { show: false },
          ...(DASHES[i % DASHES.length] ? { dash: DASHES[i % DASHES.length]! } : {}),
        })),
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
    },
    [data.xs, ...data.series.map((s) => s.values)],
    el,
  );
  return {
    resize: (w) => plot.setSize({ width: w, height: heightPx }),
    destroy: () => plot.destroy(),
  };
}
