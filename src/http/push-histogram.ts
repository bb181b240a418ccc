import type { Metric, Registry } from 'prom-client';

/** One label set of a {@link PushHistogram}: plain numbers the push path bumps. */
export interface HistogramChild {
  observe(value: number): void;
}

interface Child extends HistogramChild {
  readonly labels: Readonly<Record<string, string>>;
  /** Observations per bucket, not cumulative; the last one is +Inf. */
  readonly counts: Float64Array;
  sum: number;
}

/**
 * A Prometheus histogram for the push path. prom-client's Histogram hashes the label set again on every
 * `observe`, even through a bound child (about a microsecond a call here): this one keeps each label set's
 * buckets in a typed array, so an observation is a few comparisons and two additions, and hands the
 * registry prom-client's own value shape at scrape time.
 */
export class PushHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly #bounds: Float64Array;
  readonly #children: Child[] = [];

  constructor(options: { name: string; help: string; buckets: readonly number[]; registers: Registry[] }) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = Float64Array.from([...options.buckets].sort((a, b) => a - b));
    // The registry reads a metric through get() (and reset()); the shape is prom-client's MetricObject.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** The child of `labels`, made once and kept: call at start-up, not per observation. */
  child(labels: Record<string, string>): HistogramChild {
    const bounds = this.#bounds;
    const child: Child = {
      labels: { ...labels },
      counts: new Float64Array(bounds.length + 1),
      sum: 0,
      observe(value: number) {
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        this.counts[i]!++;
        this.sum += value;
      },
    };
    this.#children.push(child);
    return child;
  }

  get(): {
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: { metricName: string; labels: Record<string, string | number>; value: number }[];
  } {
    const values = [];
    for (const child of this.#children) {
      let cumulative = 0;
      for (let i = 0; i < child.counts.length; i++) {
        cumulative += child.counts[i]!;
        const le = i < this.#bounds.length ? String(this.#bounds[i]) : '+Inf';
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...child.labels, le },
          value: cumulative,
        });
      }
      values.push({ metricName: `${this.name}_sum`, labels: child.labels, value: child.sum });
      values.push({ metricName: `${this.name}_count`, labels: child.labels, value: cumulative });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const child of this.#children) {
      child.counts.fill(0);
      child.sum = 0;
    }
  }
}
