// The service worker (web/public/sw.js) seen from the page: registered once the page loads (that asks
// nothing of the user; only "Turn on notifications" asks for permission), the chats it asks the page to
// open, and this device's notifications of a chat closed once the chat is read.
import { chatIdOf } from './deep-link';
import type { ChatNotificationData } from './worker-types';

export const WORKER_URL = '/sw.js';

let registration: Promise<ServiceWorkerRegistration | null> | null = null;

/** Why this browser cannot have the worker (and so no push), or null when it can. */
export function workerUnsupported(): string | null {
  if (!window.isSecureContext) return 'Notifications need this page on https (or localhost).';
  if (!('serviceWorker' in navigator)) return 'This browser has no service workers.';
  return null;
}

/** Registers the worker (once); null where there is none. A failure is kept: the toggle reports it. */
export function registerWorker(): Promise<ServiceWorkerRegistration | null> {
  registration ??= workerUnsupported()
    ? Promise.resolve(null)
    : navigator.serviceWorker.register(WORKER_URL, { scope: '/' });
  return registration;
}

/** The registration once its worker is active (subscribing needs one). */
export async function activeWorker(): Promise<ServiceWorkerRegistration> {
  const registered = await registerWorker();
  if (!registered) throw new Error(workerUnsupported() ?? 'No service worker');
  return registered.active ? registered : navigator.serviceWorker.ready;
}

/** The chats the worker asks this page to open (a notification was clicked while the page was open). */
export function onOpenChatRequest(open: (chatId: string) => void): void {
  if (workerUnsupported()) return;
  navigator.serviceWorker.addEventListener('message', (event: MessageEvent<unknown>) => {
    const data = event.data as { type?: unknown; chatId?: unknown } | null;
    const chatId = data?.type === 'open-chat' ? chatIdOf(data.chatId) : null;
    if (chatId) open(chatId);
  });
  navigator.serviceWorker.startMessages();
}

/**
 * The chat is read up to `seq` here (or on another device, as its socket says): this device's
 * notifications of it up to there close. Quietly nothing without a worker.
 */
export async function closeChatNotifications(chatId: string, seq: number): Promise<void> {
  if (workerUnsupported() || typeof Notification === 'undefined') return;
  try {
    const registered = await navigator.serviceWorker.getRegistration('/');
    for (const notification of (await registered?.getNotifications({ tag: chatId })) ?? []) {
      const data = notification.data as Partial<ChatNotificationData> | null;
      if ((data?.seq ?? 0) <= seq) notification.close();
    }
  } catch {
    // closing notifications is a nicety
  }
}
