// The conversation's list: bubbles in order with a separator for each day and an "Unread messages" divider,
// consecutive bubbles of one sender grouped (the sender's name only on the first, and only in a group).
// Nodes are kept and moved as little as possible, so a playing video or embed keeps playing.
import type { OutgoingMessage } from '@live-chat/client';
import { h } from './dom';
import { type BubbleHooks, renderBubble, updateBubble } from './message-bubble';
import type { Message } from './sdk';

/** The state of one's own bubble, as its tick says it. */
export type SendStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';

const TICKS: Record<SendStatus, string> = {
  sending: '🕓',
  sent: '✓',
  delivered: '✓✓',
  read: '✓✓',
  failed: '!',
};
const STATUS_LABEL: Record<SendStatus, string> = {
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'not sent',
};
// Bubbles of one sender further apart than this start a new group.
const GROUP_GAP_MS = 5 * 60_000;

/** One's own message keeps its bubble from the moment it is sent to when it is stored: the same key. */
export function keyOf(clientMessageId: string): string {
  return `client:${clientMessageId}`;
}

export interface ListItem {
  key: string;
  message: Message;
  status: SendStatus | null;
}

/** A send the service has not stored yet, drawn like the message it will be. */
export function pendingItem(outgoing: OutgoingMessage, me: Message['sender']): ListItem {
  const { payload } = outgoing;
  return {
    key: keyOf(outgoing.clientMessageId),
    status: outgoing.status === 'failed' ? 'failed' : 'sending',
    message: {
      id: `pending:${outgoing.clientMessageId}`,
      chatId: payload.chatId ?? '',
      content: payload.content ?? '',
      mediaUrl: payload.mediaUrl ?? null,
      mediaType: payload.LiveMediaType ?? null,
      sender: me,
      createdAt: outgoing.createdAt,
      seq: Number.MAX_SAFE_INTEGER,
      clientMessageId: outgoing.clientMessageId,
      replyTo: null,
      editedAt: null,
      deletedAt: null,
      reactions: [],
      kind: 'user',
      event: null,
    },
  };
}

function dayLabel(iso: string): string {
  const day = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getTime() - 86_400_000);
  if (day.toDateString() === today.toDateString()) return 'Today';
  if (day.toDateString() === yesterday.toDateString()) return 'Yesterday';
  return day.toLocaleDateString([], { weekday: 'long', month: 'long', day: 'numeric', year: 'numeric' });
}

function follows(a: Message | null, b: Message): boolean {
  return (
    !!a &&
    a.kind === 'user' &&
    b.kind === 'user' &&
    a.sender.id === b.sender.id &&
    Date.parse(b.createdAt) - Date.parse(a.createdAt) < GROUP_GAP_MS
  );
}

export class MessageList {
  private readonly bubbles = new Map<string, { li: HTMLLIElement; message: Message }>();
  /** Message ids (a pending one's too) to their bubble's key. */
  private readonly keys = new Map<string, string>();
  private readonly separators = new Map<string, HTMLLIElement>();
  private readonly divider = h(
    'li',
    { class: 'unread-divider', role: 'separator', 'aria-label': 'Unread messages' },
    h('span', {}, 'Unread messages'),
  );

  constructor(
    readonly element: HTMLOListElement,
    private readonly hooks: BubbleHooks,
  ) {}

  reset(): void {
    this.bubbles.clear();
    this.keys.clear();
    this.separators.clear();
    this.element.replaceChildren();
  }

  /** The bubble of a message, if shown. */
  bubble(messageId: string): HTMLLIElement | null {
    return this.bubbles.get(this.keys.get(messageId) ?? messageId)?.li ?? null;
  }

  /** A shown message as it is now (by its id, or by the id it had while it was being sent). */
  message(messageId: string): Message | undefined {
    return this.bubbles.get(this.keys.get(messageId) ?? messageId)?.message;
  }

  /**
   * Draws `items` (oldest first), the divider before the first message of others after `readUpTo`
   * (null: none), group chats with their senders' names.
   */
  render(items: ListItem[], options: { readUpTo: number | null; group: boolean; meId: string }): void {
    const desired: HTMLLIElement[] = [];
    const keys = new Set<string>();
    let day = '';
    let previous: Message | null = null;
    let dividerPlaced = options.readUpTo === null;
    const bubbles: HTMLLIElement[] = [];
    for (const item of items) {
      const message = item.message;
      const thisDay = new Date(message.createdAt).toDateString();
      if (thisDay !== day) {
        day = thisDay;
        desired.push(this.separator(thisDay, message.createdAt));
        previous = null;
      }
      const others = message.kind === 'user' && message.sender.id !== options.meId;
      if (!dividerPlaced && others && message.seq > (options.readUpTo ?? 0)) {
        desired.push(this.divider);
        dividerPlaced = true;
        previous = null;
      }
      const li = this.draw(item);
      keys.add(item.key);
      const continues = follows(previous, message);
      li.classList.toggle('continues', continues);
      const sender = li.querySelector<HTMLElement>(':scope > .sender');
      if (sender) sender.hidden = !options.group || continues;
      bubbles.push(li);
      desired.push(li);
      previous = message;
    }
    // The bubble before a continuing one is continued: its corner and its tail follow.
    bubbles.forEach((li, index) => {
      li.classList.toggle('continued', bubbles[index + 1]?.classList.contains('continues') ?? false);
    });
    for (const key of this.bubbles.keys()) {
      if (!keys.has(key)) this.bubbles.delete(key);
    }
    for (const [id, key] of this.keys) {
      if (!keys.has(key)) this.keys.delete(id);
    }
    this.place(desired);
  }

  private draw(item: ListItem): HTMLLIElement {
    const held = this.bubbles.get(item.key);
    const { message } = item;
    let li = held?.li;
    if (!li) li = renderBubble(message, this.hooks);
    else if (held && held.message !== message) updateBubble(li, message, this.hooks);
    this.bubbles.set(item.key, { li, message });
    this.keys.set(message.id, item.key);
    li.dataset.id = message.id;
    li.dataset.seq = String(message.seq);
    // Nothing can be done to a message the service has not stored yet.
    const pending = item.status === 'sending' || item.status === 'failed';
    li.toggleAttribute('data-pending', pending);
    const menu = li.querySelector<HTMLElement>(':scope > .meta > .message-actions');
    if (menu) menu.hidden = pending;
    if (item.status) setStatus(li, item.status);
    return li;
  }

  private separator(day: string, iso: string): HTMLLIElement {
    let li = this.separators.get(day);
    if (!li) {
      li = h('li', { class: 'day-separator', role: 'separator' }, h('span', {}, dayLabel(iso)));
      this.separators.set(day, li);
    }
    return li;
  }

  /** Makes the list's children `desired`, removing the stale first so that kept nodes are never moved. */
  private place(desired: HTMLLIElement[]): void {
    const wanted = new Set<Element>(desired);
    for (const child of [...this.element.children]) if (!wanted.has(child)) child.remove();
    desired.forEach((node, index) => {
      const at = this.element.children[index];
      if (at !== node) this.element.insertBefore(node, at ?? null);
    });
  }
}

function setStatus(li: HTMLLIElement, status: SendStatus): void {
  li.dataset.status = status;
  const tick = li.querySelector<HTMLElement>('.tick');
  if (!tick) return;
  tick.textContent = TICKS[status];
  tick.setAttribute('aria-label', STATUS_LABEL[status]);
  tick.title = STATUS_LABEL[status];
}
