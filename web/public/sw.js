// @ts-check
// The client's service worker, served at /sw.js with the scope /. Plain JS (Vite copies public/ as it is),
// checked by tsc through JSDoc. It shows a chat's new message from a push (one notification per chat: the
// chat id is the tag, a newer message replaces the older), closes a chat's notifications when a push says
// the chat was read on some device, and opens the chat when a notification is clicked.

/** @typedef {import('../../src/contract/notifications.js').PushPayload} PushPayload */
/** @typedef {import('../src/worker-types').ServiceWorkerScope} ServiceWorkerScope */
/** @typedef {import('../src/worker-types').ChatNotificationData} ChatNotificationData */

const worker = /** @type {ServiceWorkerScope} */ (/** @type {unknown} */ (self));

/**
 * What this worker did since it started (it may be stopped any time: the open notifications are what
 * lasts): push ids already handled, and how far each chat is known to be read.
 */
const handledPushes = new Set();
/** @type {Map<string, number>} */
const readUpTo = new Map();

worker.addEventListener('install', () => void worker.skipWaiting());
worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));

worker.addEventListener('push', (event) => {
  const payload = pushPayloadOf(event.data);
  if (!payload || handledPushes.has(payload.id)) return;
  if (handledPushes.size >= 500) handledPushes.clear();
  handledPushes.add(payload.id);
  event.waitUntil(payload.type === 'message' ? showMessage(payload) : closeRead(payload.chatId, payload.seq));
});

worker.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = chatDataOf(event.notification);
  if (data) event.waitUntil(openChatWindow(data.chatId));
});

/**
 * A push's JSON as the server sends it, or null for anything else.
 * @param {{ json(): unknown } | null} data
 * @returns {PushPayload | null}
 */
function pushPayloadOf(data) {
  let value;
  try {
    value = data?.json();
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const p = /** @type {Record<string, unknown>} */ (value);
  if (typeof p.id !== 'string' || typeof p.chatId !== 'string' || typeof p.seq !== 'number') return null;
  if (p.type === 'read') return { type: 'read', id: p.id, chatId: p.chatId, seq: p.seq };
  if (p.type !== 'message' || typeof p.messageId !== 'string') return null;
  const title = typeof p.title === 'string' && p.title ? p.title : 'New message';
  const body = typeof p.body === 'string' ? p.body : '';
  return { type: 'message', id: p.id, chatId: p.chatId, messageId: p.messageId, seq: p.seq, title, body };
}

/**
 * @param {Notification} notification
 * @returns {ChatNotificationData | null}
 */
function chatDataOf(notification) {
  const data = notification.data;
  return data && typeof data.chatId === 'string' && typeof data.seq === 'number' ? data : null;
}

/** @param {Extract<PushPayload, { type: 'message' }>} payload */
async function showMessage(payload) {
  // Already read on some device (its read push came first), or an open notification of the chat already
  // shows this message or a newer one: nothing new to show.
  if ((readUpTo.get(payload.chatId) ?? 0) >= payload.seq) return;
  const open = await worker.registration.getNotifications({ tag: payload.chatId });
  if (open.some((n) => (chatDataOf(n)?.seq ?? 0) >= payload.seq)) return;
  /** @type {ChatNotificationData} */
  const data = { id: payload.id, chatId: payload.chatId, messageId: payload.messageId, seq: payload.seq };
  /** @type {NotificationOptions & { renotify: boolean }} */
  const options = { body: payload.body, tag: payload.chatId, renotify: true, data };
  await worker.registration.showNotification(payload.title, options);
}

/**
 * The chat was read up to `seq` on some device: its notifications up to there close.
 * @param {string} chatId
 * @param {number} seq
 */
async function closeRead(chatId, seq) {
  readUpTo.set(chatId, Math.max(readUpTo.get(chatId) ?? 0, seq));
  for (const notification of await worker.registration.getNotifications({ tag: chatId })) {
    if ((chatDataOf(notification)?.seq ?? 0) <= seq) notification.close();
  }
}

/**
 * A window of the client (the page at /) is focused and asked to open the chat; with none open, a new one
 * opens at the chat's link, `/#chat=<chatId>` (web/src/deep-link.ts reads it).
 * @param {string} chatId
 */
async function openChatWindow(chatId) {
  const windows = await worker.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const app = windows.filter((w) => new URL(w.url).pathname === '/');
  const target = app.find((w) => w.focused) ?? app[0];
  if (!target) {
    await worker.clients.openWindow(`/#chat=${encodeURIComponent(chatId)}`);
    return;
  }
  target.postMessage({ type: 'open-chat', chatId });
  await target.focus().catch(() => {});
}
