// Web Push for this device: the browser's subscription (pushManager) and the server's copy of it
// (POST / DELETE /api/push/subscriptions). Only `turnOnPush` asks the user, and only from a click.
import type { PushSubscriptionInput } from '@live-chat/client';
import { sdk } from './sdk';
import { activeWorker, registerWorker, workerUnsupported } from './worker';

/** Where push stands on this device. */
export type PushState = 'on' | 'off' | 'blocked' | 'unsupported';

/** Why this browser cannot have push notifications, or null when it can. */
export function pushUnsupported(): string | null {
  const noWorker = workerUnsupported();
  if (noWorker) return noWorker;
  if (typeof Notification === 'undefined' || !('PushManager' in window))
    return 'This browser does not support push notifications.';
  return null;
}

async function subscription(): Promise<PushSubscription | null> {
  const registration = await registerWorker();
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** The state as the browser knows it (asks nothing). */
export async function pushState(): Promise<PushState> {
  if (pushUnsupported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'blocked';
  if (Notification.permission !== 'granted') return 'off';
  return (await subscription()) ? 'on' : 'off';
}

/**
 * Signed in on a device that has a subscription: the server gets it again (the same endpoint is stored
 * once), so it is this session's after a sign-in. True when there was one.
 */
export async function resendSubscription(): Promise<boolean> {
  if (pushUnsupported() || Notification.permission !== 'granted') return false;
  const current = await subscription();
  if (!current) return false;
  await sdk().api.subscribePush(current.toJSON() as PushSubscriptionInput);
  return true;
}

/**
 * Asks for permission (call it from the click: browsers want a user's gesture), subscribes with the
 * server's key and hands the subscription to the server. Resolves to the new state; a refusal by the
 * push service or the server throws, with nothing left subscribed.
 */
export async function turnOnPush(): Promise<PushState> {
  const unsupported = pushUnsupported();
  if (unsupported) throw new Error(unsupported);
  const permission = await Notification.requestPermission();
  if (permission === 'denied') return 'blocked';
  if (permission !== 'granted') return 'off';
  const [registration, { publicKey }] = await Promise.all([activeWorker(), sdk().api.pushKey()]);
  const key = bytesOfBase64url(publicKey);
  let current = await registration.pushManager.getSubscription();
  // Made with another key (the server's changed): it cannot get this server's pushes.
  if (current && !sameBytes(current.options.applicationServerKey, key)) {
    await current.unsubscribe();
    current = null;
  }
  current ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  try {
    await sdk().api.subscribePush(current.toJSON() as PushSubscriptionInput);
  } catch (error) {
    await current.unsubscribe().catch(() => {});
    throw error;
  }
  return 'on';
}

/** Unsubscribes this device and tells the server (which also learns it from the push service later). */
export async function turnOffPush(): Promise<PushState> {
  const current = await subscription();
  if (current) {
    const { endpoint } = current;
    await current.unsubscribe();
    await sdk().api.unsubscribePush(endpoint);
  }
  return pushState();
}

/** Signed out: the browser's subscription goes (the server drops the session's own at logout). */
export async function dropBrowserSubscription(): Promise<void> {
  if (pushUnsupported()) return;
  await (await subscription())?.unsubscribe();
}

function bytesOfBase64url(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function sameBytes(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.byteLength) return false;
  const bytes = new Uint8Array(a);
  return bytes.every((byte, i) => byte === b[i]);
}
