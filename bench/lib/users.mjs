// Users for the load: registered over REST on the service (argon2id makes that ~25 ms each, so a few
// at a time), or just random ids on the relay, which trusts `auth.userId`.
import { randomBytes, randomUUID } from 'node:crypto';

/** Runs `task(i)` for i in [0, count) with at most `limit` at once; results in order. */
export async function mapLimit(count, limit, task) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}

async function register(baseUrl, email, name) {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(`${baseUrl}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: `bench-${randomBytes(9).toString('hex')}`, name }),
      });
      const body = await response.json();
      if (response.status !== 201)
        throw new Error(`register: HTTP ${response.status} ${JSON.stringify(body)}`);
      return { id: body.user.id, auth: { token: body.accessToken } };
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/**
 * `count` users of the target: [{ id, auth }] where `auth` is the Socket.IO handshake auth.
 * Access tokens live 15 minutes by default: long enough for any run of this bench.
 */
export async function makeUsers(target, count, { concurrency = 16 } = {}) {
  if (target.name === 'relay') {
    return Array.from({ length: count }, () => {
      const id = randomUUID();
      return { id, auth: { userId: id } };
    });
  }
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  return mapLimit(count, concurrency, (i) =>
    register(target.url, `bench-${run}-${i}@bench.test`, `Bench ${i}`),
  );
}
