import { describe, expect, it } from 'vitest';
import { createUser } from '../support/factories.js';
import { sendOk } from '../support/socket.js';
import { useTestApp } from '../support/use-test-app.js';

const t = useTestApp();

async function scrape(): Promise<string> {
  const res = await fetch(`${t.app.baseUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

function value(text: string, metric: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${metric} `));
  // The value is the last field: a label's value may hold spaces.
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
}

describe('GET /metrics', () => {
  it('exposes connected sockets, stored and delivered messages, batch sizes, commit latency and process metrics', async () => {
    const [a, b] = [await createUser(t.http), await createUser(t.http)];
    const before = await scrape();
    const sa = await t.online(a);
    await t.online(b);
    await sendOk(sa, { receiverId: b.id, content: 'counted' });
    const after = await scrape();

    expect(value(after, 'chat_connected_sockets')).toBe(value(before, 'chat_connected_sockets') + 2);
    expect(value(after, 'chat_messages_stored_total')).toBe(value(before, 'chat_messages_stored_total') + 1);
    expect(value(after, 'chat_messages_delivered_total')).toBe(
      value(before, 'chat_messages_delivered_total') + 2,
    );
    expect(value(after, 'chat_write_batch_size_count')).toBeGreaterThan(
      value(before, 'chat_write_batch_size_count'),
    );
    expect(value(after, 'chat_send_to_commit_seconds_count')).toBe(
      value(before, 'chat_send_to_commit_seconds_count') + 1,
    );
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(after).toMatch(/^process_resident_memory_bytes /m);
  });

  it('counts sockets gone by their reason', async () => {
    const user = await createUser(t.http);
    const metric = 'chat_socket_disconnects_total{reason="client namespace disconnect"}';
    const before = value(await scrape(), metric);
    const socket = await t.online(user);
    socket.disconnect();
    await expect
      .poll(async () => value(await scrape(), metric))
      .toBe((Number.isNaN(before) ? 0 : before) + 1);
  });
});
