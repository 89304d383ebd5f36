import { describe, expect, it } from 'vitest';
import { parsePrometheus, sumByLabel, sumOf } from './prometheus.js';

const scrape = `# HELP order_engine_commands_total Commands by type and outcome.
# TYPE order_engine_commands_total counter
order_engine_commands_total{type="PlaceOrder",outcome="accepted",service="command-service"} 3
order_engine_commands_total{type="Restock",outcome="accepted",service="command-service"} 6
order_engine_commands_total{type="PlaceOrder",outcome="refused",service="command-service"} 1

order_engine_append_conflicts_total 0
order_engine_http_request_duration_seconds_bucket{le="+Inf",route="/orders"} 12 1700000000000
odd_label{detail="say \\"hi\\", a\\\\b\\nnext"} NaN
up -Inf
not a sample line
`;

describe('parsePrometheus', () => {
  const samples = parsePrometheus(scrape);

  it('reads each sample with its labels and value, skipping comments, blank lines and junk', () => {
    expect(samples).toHaveLength(7);
    expect(samples[0]).toEqual({
      name: 'order_engine_commands_total',
      labels: { type: 'PlaceOrder', outcome: 'accepted', service: 'command-service' },
      value: 3,
    });
    expect(samples[3]).toEqual({ name: 'order_engine_append_conflicts_total', labels: {}, value: 0 });
  });

  it('drops the timestamp and reads +Inf in labels and -Inf and NaN as values', () => {
    expect(samples[4]?.labels).toEqual({ le: '+Inf', route: '/orders' });
    expect(samples[4]?.value).toBe(12);
    expect(samples[6]?.value).toBe(-Infinity);
    expect(samples[5]?.value).toBeNaN();
  });

  it('unescapes quotes, backslashes and newlines in label values', () => {
    expect(samples[5]?.labels.detail).toBe('say "hi", a\\b\nnext');
  });

  it('sums a metric by one label, and over all labels', () => {
    expect(sumByLabel(samples, 'order_engine_commands_total', 'outcome')).toEqual(
      new Map([
        ['accepted', 9],
        ['refused', 1],
      ]),
    );
    expect(sumOf(samples, 'order_engine_commands_total')).toBe(10);
    expect(sumOf(samples, 'missing_total')).toBe(0);
  });
});
