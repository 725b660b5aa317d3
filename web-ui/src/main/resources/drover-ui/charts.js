// uPlot line charts as preact components: created once, fed new data without re-creating the chart.

import { h } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

/**
 * A time series chart. `data` is [xs (unix seconds), ...ys]; `series` the label and colour of each y.
 * Resizes with its container.
 */
export function TimeChart({ title, data, series, height = 180, yRange, unit = '' }) {
  const box = useRef(null);
  const plot = useRef(null);

  useEffect(() => {
    const el = box.current;
    const opts = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: yRange ? { range: yRange } : { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' } },
        { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.15)' }, values: (u, vals) => vals.map(v => v + unit) },
      ],
      series: [{}].concat(series.map(s => ({ label: s.label, stroke: s.color, width: 2, fill: s.fill, points: { show: false } }))),
    };
    plot.current = new uPlot(opts, data, el);
    const ro = new ResizeObserver(() => {
      if (plot.current) plot.current.setSize({ width: Math.max(200, el.clientWidth), height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current.destroy();
      plot.current = null;
    };
  }, [series.map(s => s.label).join('|'), height]);

  useEffect(() => {
    if (plot.current) plot.current.setData(data);
  }, [data]);

  return h('figure', { class: 'chart' },
    h('figcaption', null, title),
    h('div', { ref: box, class: 'chart-body', role: 'img', 'aria-label': title + ': ' + summary(data, series, unit) }));
}

function summary(data, series, unit) {
  const n = data[0].length;
  if (!n) return 'no data yet';
  return series.map((s, i) => s.label + ' now ' + fmt(data[i + 1][n - 1]) + unit).join(', ');
}

function fmt(v) {
  return v == null ? 'unknown' : Math.round(v * 10) / 10;
}
