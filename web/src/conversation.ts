// The open conversation: which chat, its header, its messages from the store (the newest ones, more as the
// list scrolls up) with this device's unsent ones after them, and the read mark that follows what is seen.
import type { ChatClient, OutgoingMessage } from '@live-chat/client';
import type { ChatExtras, ChatState } from './chat-state';
import type { BubbleHooks } from './message-bubble';
import { keyOf, type ListItem, MessageList, pendingItem, type SendStatus } from './message-list';
import type { Message } from './sdk';
import { closeChatNotifications } from './worker';

// How many messages are drawn at first, and how many more each time the list reaches its top.
const WINDOW = 50;
// Closer than this to an edge counts as being at it.
const EDGE_PX = 80;

export interface ConversationHooks {
  /** The chat was opened or closed: the layout, the header and the list of chats follow. */
  changed(chat: ChatState | null): void;
}

export class Conversation {
  chatId: string | null = null;
  readonly list: MessageList;
  private limit = WINDOW;
  /** This user's read mark when the chat opened: the unread divider stays where it was. */
  private readUpTo: number | null = null;
  /** Sends this device made that the service refused, shown until the chat closes. */
  private readonly failed: OutgoingMessage[] = [];
  /** The last read mark asked for, so a burst of renders asks once. */
  private readAsked = '';

  constructor(
    private readonly client: ChatClient,
    private readonly chats: ChatExtras,
    private readonly element: HTMLOListElement,
    bubbleHooks: BubbleHooks,
    private readonly hooks: ConversationHooks,
  ) {
    this.list = new MessageList(element, bubbleHooks);
    element.addEventListener('scroll', () => {
      if (element.scrollTop < EDGE_PX) this.showOlder();
    });
    client.on('outgoing', (outgoing) => {
      if (outgoing.status === 'failed') this.failed.push(outgoing);
      this.render();
    });
    document.addEventListener('visibilitychange', () => this.markRead());
  }

  chat(): ChatState | undefined {
    return this.chatId ? this.chats.state(this.chatId) : undefined;
  }

  open(chatId: string): void {
    if (this.chatId === chatId) return;
    this.chatId = chatId;
    this.limit = WINDOW;
    this.failed.length = 0;
    const chat = this.chats.state(chatId);
    this.readUpTo = chat && chat.unreadCount > 0 ? chat.readSeq : null;
    this.list.reset();
    this.hooks.changed(chat ?? null);
    this.render();
    // At the first unread message when there is one, else at the newest.
    const divider = this.element.querySelector('.unread-divider');
    if (divider) divider.scrollIntoView({ block: 'start' });
    else this.element.scrollTop = this.element.scrollHeight;
    this.markRead();
  }

  close(): void {
    this.chatId = null;
    this.list.reset();
    this.hooks.changed(null);
  }

  /** Draws the open chat again from the store, keeping the view at the bottom if it was there. */
  render(): void {
    const chat = this.chat();
    if (!chat) return;
    const el = this.element;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE_PX;
    const items = this.items(chat);
    const grew = items.at(-1)?.message.sender.id === this.client.user.id;
    this.list.render(items, {
      readUpTo: this.dividerAfter(chat.id),
      group: chat.type === 'GROUP',
      meId: this.client.user.id,
    });
    if (atBottom || grew) el.scrollTop = el.scrollHeight;
    this.markRead();
  }

  /**
   * Where the unread divider goes: after this user's read mark, unless the first unread message is older
   * than what is drawn (the divider shows once scrolling up reaches it).
   */
  private dividerAfter(chatId: string): number | null {
    if (this.readUpTo === null) return null;
    const readUpTo = this.readUpTo;
    const all = this.client.store.messages(chatId);
    const hidden = all.slice(0, Math.max(0, all.length - this.limit));
    return hidden.some((m) => m.seq > readUpTo) ? null : readUpTo;
  }

  /** What is drawn: the newest messages held, then this device's sends still on their way. */
  private items(chat: ChatState): ListItem[] {
    const messages = this.client.store.messages(chat.id).slice(-this.limit);
    const own = (message: Message): SendStatus | null => {
      if (message.sender.id !== this.client.user.id || message.kind !== 'user') return null;
      if (message.seq <= chat.peerReadSeq) return 'read';
      return message.seq <= chat.peerDeliveredSeq ? 'delivered' : 'sent';
    };
    const me = { id: this.client.user.id, name: this.client.user.name, avatar: this.client.user.avatar };
    // Stored already (heard live before the ack): drawn once, as stored.
    const stored = new Set(messages.map((m) => m.clientMessageId));
    const waiting = [
      ...this.client.pending(chat.id),
      ...this.failed.filter((m) => m.payload.chatId === chat.id),
    ]
      .filter((m) => !stored.has(m.clientMessageId))
      .sort((a, b) => a.order - b.order)
      .map((outgoing) => pendingItem(outgoing, me));
    return [
      ...messages.map((message) => {
        const status = own(message);
        const key = status && message.clientMessageId ? keyOf(message.clientMessageId) : message.id;
        return { key, message, status };
      }),
      ...waiting,
    ];
  }

  private showOlder(): void {
    if (!this.chatId || this.client.store.messages(this.chatId).length <= this.limit) return;
    const before = this.element.scrollHeight;
    this.limit += WINDOW;
    this.render();
    // What the user was looking at stays in place.
    this.element.scrollTop += this.element.scrollHeight - before;
  }

  /** The open chat is read up to its newest message while the page is visible. */
  private markRead(): void {
    const chat = this.chat();
    if (!chat || document.visibilityState !== 'visible') return;
    const newest = this.client.store.messages(chat.id).at(-1);
    if (!newest) return;
    // Seen here: this device's notifications of the chat close (the read receipt closes the others').
    void closeChatNotifications(chat.id, newest.seq);
    const key = `${chat.id}:${newest.seq}`;
    if (newest.seq <= chat.readSeq || chat.unreadCount === 0 || this.readAsked === key) return;
    this.readAsked = key;
    this.client.markRead(chat.id, newest.id).catch(() => {
      this.readAsked = '';
    });
  }

  /** A reply's quote was clicked: its original, if drawn, scrolls into view and flashes. */
  showOriginal(messageId: string): boolean {
    const li = this.list.bubble(messageId);
    if (!li) return false;
    const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    li.scrollIntoView({ block: 'center', behavior: smooth ? 'smooth' : 'auto' });
    for (const other of this.element.querySelectorAll('li.flash')) other.classList.remove('flash');
    void li.offsetWidth; // restarts the animation on the same message
    li.classList.add('flash');
    return true;
  }
}
