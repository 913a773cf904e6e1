/**
 * The dose log's two charts (chart.js v4, only the pieces used are registered so the bundle keeps
 * the rest out): dose per study over time with the reference levels as lines, and per protocol the
 * distribution (min–max whisker, Q1–Q3 box, median mark) against the protocol's reference level.
 * Animation is off: the charts are looked at in screenshots and must be complete when drawn.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Title,
  Tooltip,
  type ChartConfiguration,
  type ChartDataset,
  type TooltipItem,
} from 'chart.js';
import { useEffect, useMemo, useRef } from 'react';
import type { DoseLogResponse } from '../../main/api/contract.js';
import { dateTicks, doseTimeSeries, levelValue, protocolBoxes, QUANTITY, shortLabel, type DoseQuantity } from './doseChartData.js';

Chart.register(BarController, BarElement, CategoryScale, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, ScatterController, Title, Tooltip);

const TEXT = '#d6dde4';
const GRID = '#2a323b';
const WITHIN = '#3d8bfd';
const ABOVE = '#ff5c5c';
const REFERENCE = '#ffb020';
const BOX = 'rgba(61, 139, 253, 0.45)';
const WHISKER = '#7d8a96';
const REFERENCE_DASHES = [[8, 4], [3, 3], [12, 4, 2, 4]];

Chart.defaults.color = TEXT;
Chart.defaults.borderColor = GRID;
Chart.defaults.font.size = 12;

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** One chart.js chart on a canvas, rebuilt when its configuration changes and destroyed with the component. */
function ChartCanvas({ config, testId, label }: { config: ChartConfiguration; testId: string; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [config]);
  return (
    <div className="chart-box">
      <canvas ref={canvas} data-testid={testId} role="img" aria-label={label} />
    </div>
  );
}

export function DoseOverTimeChart({ log, quantity, logScale }: { log: DoseLogResponse; quantity: DoseQuantity; logScale: boolean }) {
  const series = useMemo(() => doseTimeSeries(log.rows, quantity), [log, quantity]);
  const config = useMemo((): ChartConfiguration => {
    const { axisTitle, label, unit } = QUANTITY[quantity];
    const xMin = series.xMinMs ?? Date.now() - 86_400_000;
    const xMax = series.xMaxMs ?? Date.now();
    const ticks = dateTicks(xMin, xMax);
    const datasets: ChartDataset<'scatter'>[] = [
      { label: `Within reference (${series.within.length})`, data: series.within, backgroundColor: WITHIN, borderColor: WITHIN, pointRadius: 4, pointHoverRadius: 6 },
      { label: `Above reference (${series.above.length})`, data: series.above, backgroundColor: ABOVE, borderColor: ABOVE, pointStyle: 'triangle', pointRadius: 6, pointHoverRadius: 8 },
      ...log.referenceLevels.map(
        (level, index): ChartDataset<'scatter'> => ({
          label: `Reference “${level.name}”: ${levelValue(level, quantity)} ${unit}`,
          data: [
            { x: xMin, y: levelValue(level, quantity) },
            { x: xMax, y: levelValue(level, quantity) },
          ],
          showLine: true,
          borderColor: REFERENCE,
          backgroundColor: REFERENCE,
          borderDash: REFERENCE_DASHES[index % REFERENCE_DASHES.length],
          borderWidth: 2,
          pointRadius: 0,
          pointHoverRadius: 0,
        }),
      ),
    ];
    return {
      type: 'scatter',
      data: { datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          title: { display: true, text: `${label} per study over time`, font: { size: 14, weight: 'bold' } },
          legend: { position: 'bottom', labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: (item) => {
                const point = item.raw as { x: number; y: number; label?: string };
                return point.label ? `${isoDay(point.x)} · ${point.y.toFixed(1)} ${unit} · ${point.label}` : `${item.dataset.label ?? ''}`;
              },
            },
          },
        },
        scales: {
          x: {
            type: 'linear',
            min: xMin,
            max: xMax,
            title: { display: true, text: 'Study date' },
            // Calendar ticks (years, months or days) replace chart.js's evenly spaced milliseconds.
            afterBuildTicks: (scale: { ticks: Array<{ value: number }> }) => {
              scale.ticks = ticks.ticks.map((value) => ({ value }));
            },
            ticks: { callback: (value: number | string) => ticks.format(Number(value)), maxRotation: 0, autoSkip: false },
            grid: { color: GRID },
          },
          y: {
            type: logScale ? 'logarithmic' : 'linear',
            beginAtZero: !logScale,
            title: { display: true, text: axisTitle },
            grid: { color: GRID },
          },
        },
      },
    } as ChartConfiguration<'scatter'> as unknown as ChartConfiguration;
  }, [series, log.referenceLevels, quantity, logScale]);
  return <ChartCanvas config={config} testId="dose-chart-time" label={`${QUANTITY[quantity].label} per study over time`} />;
}

export function ProtocolDistributionChart({ log, quantity, logScale }: { log: DoseLogResponse; quantity: DoseQuantity; logScale: boolean }) {
  const boxes = useMemo(() => protocolBoxes(log.protocols, quantity), [log, quantity]);
  const config = useMemo((): ChartConfiguration => {
    const { axisTitle, label, unit } = QUANTITY[quantity];
    const labels = boxes.protocols.map((protocol, index) => [shortLabel(protocol), `n = ${boxes.studies[index]}`]);
    return {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'bar', label: 'Min–max', data: boxes.whiskers, backgroundColor: WHISKER, grouped: false, barPercentage: 0.04, categoryPercentage: 1, order: 3 },
          { type: 'bar', label: 'Q1–Q3 (middle half)', data: boxes.boxes, backgroundColor: BOX, borderColor: WITHIN, borderWidth: 1, grouped: false, barPercentage: 0.5, categoryPercentage: 1, order: 2 },
          { type: 'line', label: 'Median', data: boxes.medians, showLine: false, pointStyle: 'line', pointRadius: 22, pointHoverRadius: 22, borderWidth: 3, borderColor: TEXT, backgroundColor: TEXT, order: 1 },
          { type: 'line', label: 'Reference level', data: boxes.references, showLine: false, pointStyle: 'line', pointRadius: 34, pointHoverRadius: 34, borderWidth: 2, borderColor: REFERENCE, backgroundColor: REFERENCE, order: 0 },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          title: { display: true, text: `${label} distribution per protocol (median and quartiles)`, font: { size: 14, weight: 'bold' } },
          legend: { position: 'bottom', labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              title: (items: TooltipItem<'bar'>[]) => (items[0] ? boxes.protocols[items[0].dataIndex] : ''),
              label: (item: TooltipItem<'bar'>) => {
                const raw = item.raw as number | [number, number] | null;
                if (raw === null) return '';
                const shown = Array.isArray(raw) ? `${raw[0].toFixed(1)}–${raw[1].toFixed(1)}` : raw.toFixed(1);
                return `${item.dataset.label ?? ''}: ${shown} ${unit}`;
              },
            },
          },
        },
        scales: {
          x: { type: 'category', title: { display: true, text: 'Protocol (studies)' }, grid: { display: false } },
          y: { type: logScale ? 'logarithmic' : 'linear', beginAtZero: !logScale, title: { display: true, text: axisTitle }, grid: { color: GRID } },
        },
      },
    } as unknown as ChartConfiguration;
  }, [boxes, quantity, logScale]);
  if (boxes.protocols.length === 0) return <div className="chart-box empty muted">No {QUANTITY[quantity].label} values to show per protocol.</div>;
  return <ChartCanvas config={config} testId="dose-chart-protocols" label={`${QUANTITY[quantity].label} distribution per protocol`} />;
}
