// The topic map: every paper of the window as a dot at its PCA coordinates, one colour per topic (Chart.js, loaded
// on first use as its own chunk, so the paper list does not wait for it).
import type { Chart, ChartDataset, TooltipItem } from 'chart.js';
import type { TopicPoint, Topics } from './api';
import { topicColor, topicIndex } from './dom';
import { latexToPlain } from './latex';

let chartJs: Promise<typeof Chart> | undefined;
function loadChart(): Promise<typeof Chart> {
  return (chartJs ??= import('chart.js').then(({ Chart, LinearScale, PointElement, ScatterController, Tooltip }) => {
    Chart.register(ScatterController, PointElement, LinearScale, Tooltip);
    return Chart;
  }));
}

interface MapPoint {
  x: number;
  y: number;
  title: string;
  id: string;
}

export class TopicMap {
  private chart: Chart<'scatter', MapPoint[]> | null = null;
  private selected: string | null = null;
  /** The topic to highlight, kept while Chart.js loads. */
  private wanted: string | null = null;
  /** Bumped by every show(): an older call that finishes loading later draws nothing. */
  private generation = 0;
  /** What to draw once the folded-away map (phones) is opened. */
  private pending: Topics | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onTopic: (topicId: string) => void,
  ) {
    const box = canvas.closest('details');
    box?.addEventListener('toggle', () => {
      if (box.open && this.pending) void this.show(this.pending);
    });
  }

  /** Draws the map; while it is folded away, only remembers the data (Chart.js loads and draws when it opens). */
  async show(data: Topics): Promise<void> {
    const generation = ++this.generation;
    const box = this.canvas.closest('details');
    if (box && !box.open) {
      this.pending = data;
      this.chart?.destroy();
      this.chart = null;
      this.selected = null;
      return;
    }
    this.pending = null;
    const ChartJs = await loadChart();
    if (generation !== this.generation) return;
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
    this.chart = new ChartJs<'scatter', MapPoint[]>(this.canvas, {
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
    this.applyHighlight();
  }

  /** Dims every topic but one (null: all shown). */
  highlight(topicId: string | null): void {
    this.wanted = topicId;
    this.applyHighlight();
  }

  private applyHighlight(): void {
    const topicId = this.wanted;
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
