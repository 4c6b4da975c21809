import { describe, expect, it } from 'vitest';
import { createUser } from '../support/factories.js';
import { counterValue, metricValue, scrapeMetrics } from '../support/metrics.js';
import { sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

const scrape = () => scrapeMetrics(t.app.baseUrl);

describe('GET /metrics', () => {
  it('exposes connected sockets, stored and delivered messages, batch sizes, commit latency and process metrics', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const before = await scrape();
    const sa = await t.online(a);
    await t.online(b);
    await sendOk(sa, { receiverId: b.id, content: 'counted' });
    const after = await scrape();

    expect(metricValue(after, 'chat_connected_sockets')).toBe(
      metricValue(before, 'chat_connected_sockets') + 2,
    );
    expect(metricValue(after, 'chat_messages_stored_total')).toBe(
      metricValue(before, 'chat_messages_stored_total') + 1,
    );
    expect(metricValue(after, 'chat_messages_delivered_total')).toBe(
      metricValue(before, 'chat_messages_delivered_total') + 2,
    );
    expect(metricValue(after, 'chat_write_batch_size_count')).toBeGreaterThan(
      metricValue(before, 'chat_write_batch_size_count'),
    );
    expect(metricValue(after, 'chat_send_to_commit_seconds_count')).toBe(
      metricValue(before, 'chat_send_to_commit_seconds_count') + 1,
    );
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(after).toMatch(/^process_resident_memory_bytes /m);
  });

  it('counts sockets gone by their reason', async () => {
    const user = await createUser(t.http);
    const metric = 'chat_socket_disconnects_total{reason="client namespace disconnect"}';
    const before = await counterValue(t.app.baseUrl, metric);
    const socket = await t.online(user);
    socket.disconnect();
    await expect.poll(() => counterValue(t.app.baseUrl, metric)).toBe(before + 1);
  });
});
