// The topic map: every paper of the window as a dot at its PCA coordinates, one colour per topic (Chart.js).
import { Chart, LinearScale, PointElement, ScatterController, Tooltip, type ChartDataset, type TooltipItem } from 'chart.js';
import type { TopicPoint, Topics } from './api';
import { topicColor, topicIndex } from './dom';
import { latexToPlain } from './latex';

Chart.register(ScatterController, PointElement, LinearScale, Tooltip);

interface MapPoint {
  x: number;
  y: number;
  title: string;
  id: string;
}

export class TopicMap {
  private chart: Chart<'scatter', MapPoint[]> | null = null;
  private selected: string | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onTopic: (topicId: string) => void,
  ) {}

  show(data: Topics): void {
    const byTopic = new Map<string, TopicPoint[]>();
    for (const p of data.points) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
    const datasets: ChartDataset<'scatter', MapPoint[]>[] = data.topics.map((t) => ({
      label: `${t.id}: ${t.label}`,
      data: (byTopic.get(t.id) ?? []).map((p) => ({ x: p.x, y: p.y, title: p.title, id: p.id })),
      backgroundColor: topicColor(topicIndex(t.id), 0.7),
      borderColor: topicColor(topicIndex(t.id), 1),
      borderWidth: 0,
      // Fewer, bigger dots for small windows; thousands of dots stay small.
      pointRadius: data.points.length > 3000 ? 2 : 3.5,
      pointHoverRadius: 6,
    }));
    this.chart?.destroy();
    this.selected = null;
    this.chart = new Chart<'scatter', MapPoint[]>(this.canvas, {
      type: 'scatter',
      data: { datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        scales: { x: { display: false }, y: { display: false } },
        interaction: { mode: 'nearest', intersect: true },
        plugins: {
          tooltip: {
            displayColors: true,
            callbacks: {
              title: (items: TooltipItem<'scatter'>[]) => (items[0]?.dataset.label ?? '').replace(/^t\d+: /, ''),
              label: (item: TooltipItem<'scatter'>) => truncate(latexToPlain((item.raw as MapPoint).title), 90),
            },
          },
        },
        onClick: (_e, elements) => {
          const hit = elements[0];
          if (hit) this.onTopic(data.topics[hit.datasetIndex].id);
        },
        onHover: (e, elements) => {
          const target = e.native?.target as HTMLElement | undefined;
          if (target) target.style.cursor = elements.length ? 'pointer' : 'default';
        },
      },
    });
  }

  /** Dims every topic but one (null: all shown). */
  highlight(topicId: string | null): void {
    if (!this.chart || this.selected === topicId) return;
    this.selected = topicId;
    this.chart.data.datasets.forEach((ds, i) => {
      const on = topicId === null || topicId === `t${i}`;
      ds.backgroundColor = topicColor(i, on ? 0.75 : 0.08);
    });
    this.chart.update();
  }
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
