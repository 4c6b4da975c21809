// `--group N`: one group of N members over the REST API of /work/groups-contract.md. The first user
// creates it with up to 100 others (POST /api/chats), the rest join 100 at a time
// (POST /api/chats/:chatId/members); the creator counts towards GROUP_MAX_MEMBERS.
const CHUNK = 100;

async function call(url, token, method, path, body) {
  const response = await fetch(`${url}/api${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) throw new Error(`${method} /api${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return parsed;
}

/**
 * A group of every user in `users` ([{ id, auth: { token } }]), `users[0]` its owner. Resolves to its
 * chat id; throws when the server leaves anyone out (notAdded), so a run never measures a smaller group.
 */
export async function createGroup(url, users, title) {
  const [owner, ...others] = users;
  const token = owner.auth.token;
  const created = await call(url, token, 'POST', '/chats', {
    type: 'GROUP',
    title,
    memberIds: others.slice(0, CHUNK).map((u) => u.id),
  });
  const notAdded = [...(created.notAdded ?? [])];
  for (let from = CHUNK; from < others.length; from += CHUNK) {
    const answer = await call(url, token, 'POST', `/chats/${created.id}/members`, {
      userIds: others.slice(from, from + CHUNK).map((u) => u.id),
    });
    notAdded.push(...(answer.notAdded ?? []));
  }
  if (notAdded.length) throw new Error(`group ${created.id}: ${notAdded.length} users not added`);
  const chat = await call(url, token, 'GET', `/chats/${created.id}`);
  if (chat.memberCount !== users.length) {
    throw new Error(`group ${created.id}: ${chat.memberCount} members, expected ${users.length}`);
  }
  return created.id;
}
