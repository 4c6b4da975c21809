// Types only: what web/public/sw.js (plain JS, checked through JSDoc) sees of its service worker scope,
// which the DOM library of this tsconfig does not describe, and the message it posts to a window.

/** The service worker asks a window of the client to open a chat (a notification was clicked). */
export interface OpenChatMessage {
  type: 'open-chat';
  chatId: string;
}

export interface ExtendableEventLike extends Event {
  waitUntil(promise: Promise<unknown>): void;
}

export interface PushEventLike extends ExtendableEventLike {
  readonly data: { json(): unknown } | null;
}

export interface NotificationEventLike extends ExtendableEventLike {
  readonly notification: Notification;
}

export interface WindowClientLike {
  readonly url: string;
  readonly focused: boolean;
  focus(): Promise<WindowClientLike>;
  postMessage(message: OpenChatMessage): void;
}

export interface ServiceWorkerScope {
  readonly registration: ServiceWorkerRegistration;
  readonly location: { readonly origin: string };
  readonly clients: {
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClientLike[]>;
    openWindow(url: string): Promise<WindowClientLike | null>;
    claim(): Promise<void>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'push', listener: (event: PushEventLike) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationEventLike) => void): void;
}

/** What a notification of a chat keeps in its `data`. */
export interface ChatNotificationData {
  /** The push's id: the same push again is not shown twice. */
  id: string;
  chatId: string;
  messageId: string;
  seq: number;
}
