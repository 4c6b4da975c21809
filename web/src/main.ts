import { io, type Socket } from 'socket.io-client';
import type {
  AckResult,
  DeliveryReceipt,
  MessageSendPayload,
  PresenceEvent,
  ReadReceipt,
  TypingEvent,
} from '../../src/contract/events.js';
import type {
  ChatChange,
  MessageDeletedEvent,
  MessageEditedEvent,
  ReactionUpdatedEvent,
  SyncPage,
} from '../../src/contract/views.js';
import {
  api,
  type Chat,
  currentSession,
  type MediaType,
  type Message,
  onSessionChange,
  type Page,
  type PublicUser,
  refreshSession,
  signIn,
  signOut,
  signUp,
  type Upload,
} from './api';
import { clearBlocks } from './blocks';
import { type ChatState, renderChatList as drawChatList } from './chat-list';
import { redrawWhenMutesEnd } from './chat-mute';
import { ComposerContext } from './composer-context';
import { renderConversationHeader as drawHeader } from './conversation-header';
import { chatIdOfHash } from './deep-link';
import { byId, h } from './dom';
import { setupGroups } from './groups';
import { renderMedia } from './media';
import { friendlyError, requestChange } from './message-actions';
import { type BubbleHooks, renderBubble, updateBubble } from './message-bubble';
import { applyChangeToReply, ChangeGuard, applyChange as changed, syncEntries } from './message-changes';
import { closeMenu, type MenuActions, menuButton } from './message-menu';
import { findPeople } from './people';
import { PushToggle } from './push-toggle';
import { mediaUrlOf, newId } from './urls';
import { closeChatNotifications, onOpenChatRequest, registerWorker } from './worker';
import './style.css';

const PAGE_SIZE = 30;
const chats = new Map<string, ChatState>();
let socket: Socket | null = null;
let openChatId: string | null = null;
/** Messages of the open chat by id, with the seq range loaded. */
let shown = new Map<string, Message>();
let olderCursor: string | null = null;
let loadingOlder = false;
let typingSentAt = 0;
let typingStopTimer: number | undefined;
const deliveredSent = new Map<string, number>();
/** Loaded once since signing in: a linked chat can be looked up. */
let chatsLoaded = false;
/** A chat to open from a link (`/#chat=<id>`) or a clicked notification, once signed in and loaded. */
let linkedChat: string | null = chatIdOfHash(location.hash);

const $ = {
  authView: byId('auth-view'),
  authForm: byId<HTMLFormElement>('auth-form'),
  authEmail: byId<HTMLInputElement>('auth-email'),
  authPassword: byId<HTMLInputElement>('auth-password'),
  authName: byId<HTMLInputElement>('auth-name'),
  authError: byId('auth-error'),
  chatView: byId('chat-view'),
  meName: byId('me-name'),
  connection: byId('connection'),
  signOut: byId<HTMLButtonElement>('sign-out'),
  pushArea: byId('push-area'),
  pushToggle: byId<HTMLButtonElement>('push-toggle'),
  pushState: byId('push-state'),
  searchForm: byId<HTMLFormElement>('search-form'),
  searchInput: byId<HTMLInputElement>('search-input'),
  searchResults: byId<HTMLUListElement>('search-results'),
  chatList: byId<HTMLUListElement>('chat-list'),
  newGroup: byId<HTMLButtonElement>('new-group'),
  headerActions: byId('conversation-actions'),
  chatNotice: byId('chat-notice'),
  empty: byId('empty-conversation'),
  conversation: byId('conversation'),
  back: byId<HTMLButtonElement>('back-to-chats'),
  peerName: byId('peer-name'),
  peerPresence: byId('peer-presence'),
  typing: byId('typing'),
  messages: byId<HTMLOListElement>('messages'),
  composer: byId<HTMLFormElement>('composer'),
  messageInput: byId<HTMLTextAreaElement>('message-input'),
  mediaUrl: byId<HTMLInputElement>('media-url'),
  mediaType: byId<HTMLSelectElement>('media-type'),
  mediaFile: byId<HTMLInputElement>('media-file'),
  record: byId<HTMLButtonElement>('record'),
  send: byId<HTMLButtonElement>('send'),
  status: byId('composer-status'),
  context: byId('composer-context'),
  contextTitle: byId('composer-context-title'),
  contextPreview: byId('composer-context-preview'),
  contextCancel: byId<HTMLButtonElement>('composer-context-cancel'),
};

const me = () => currentSession()?.user;

/** Replying to or editing a message, in the bar above the composer. */
const composerContext = new ComposerContext(
  {
    bar: $.context,
    title: $.contextTitle,
    preview: $.contextPreview,
    cancel: $.contextCancel,
    composer: $.composer,
    input: $.messageInput,
    send: $.send,
  },
  () => me()?.id,
);
/** Edits, deletes and reactions already applied, so none is applied twice or over a newer one. */
const changeGuard = new ChangeGuard();
/** Web Push for this device: "Turn on notifications" and what it says. */
const pushToggle = new PushToggle({ area: $.pushArea, button: $.pushToggle, state: $.pushState });

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------- sign in / out

$.authForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const action = (event.submitter as HTMLButtonElement | null)?.value ?? 'sign-in';
  $.authError.textContent = '';
  const email = $.authEmail.value.trim();
  const password = $.authPassword.value;
  try {
    if (action === 'sign-up') {
      const name = $.authName.value.trim() || email.split('@')[0] || email;
      await signUp(email, password, name);
    } else {
      await signIn(email, password);
    }
    $.authPassword.value = '';
  } catch (error) {
    $.authError.textContent = errorText(error);
  }
});

$.signOut.addEventListener('click', () => void signOut());

onSessionChange((session) => {
  if (!session) showSignedOut();
  else if ($.chatView.hidden) void showSignedIn();
});

function showSignedOut(): void {
  socket?.disconnect();
  socket = null;
  chats.clear();
  chatsLoaded = false;
  deliveredSent.clear();
  changeGuard.clear();
  closeMenu();
  groups.panel.close();
  clearBlocks();
  composerContext.cancel();
  openChatId = null;
  $.chatList.replaceChildren();
  $.searchResults.replaceChildren();
  $.messages.replaceChildren();
  $.conversation.hidden = true;
  $.empty.hidden = false;
  $.chatView.classList.remove('chat-open');
  $.chatView.hidden = true;
  $.authView.hidden = false;
  $.authEmail.focus();
  void pushToggle.signedOut();
}

async function showSignedIn(): Promise<void> {
  $.authView.hidden = true;
  $.chatView.hidden = false;
  $.meName.textContent = me()?.name ?? '';
  connect();
  groups.signedIn();
  void pushToggle.signedIn();
}

// ---------------------------------------------------------------- socket and sync

function syncKey(): string {
  return `live-chat.sync.${me()?.id ?? ''}`;
}

function connect(): void {
  socket?.disconnect();
  // `auth` as a function: every (re)connect presents the current access token.
  const s: Socket = io('/chat', {
    auth: (cb) => cb({ token: currentSession()?.accessToken ?? '' }),
  });
  socket = s;
  s.on('connect', () => {
    setConnection('online');
    void syncAfterConnect();
  });
  s.on('disconnect', () => setConnection('offline, reconnecting…'));
  s.on('connect_error', async (error) => {
    setConnection('offline, reconnecting…');
    // An expired access token: refresh it and try again (socket.io does not retry a refused handshake).
    if (error.message !== 'unauthorized' || socket !== s) return;
    if (await refreshSession()) s.connect();
    else if (currentSession()) window.setTimeout(() => socket === s && s.connect(), 5000);
  });
  s.on('chat:message_receive', (message: Message) => receive(message, true));
  s.on('chat:message_edited', (event: MessageEditedEvent) =>
    applyChange({ type: 'message_edited', ...event }),
  );
  s.on('chat:message_deleted', (event: MessageDeletedEvent) =>
    applyChange({ type: 'message_deleted', ...event }),
  );
  s.on('chat:reaction_updated', (event: ReactionUpdatedEvent) =>
    applyChange({ type: 'reaction_updated', ...event }),
  );
  s.on('chat:message_read', (receipt: ReadReceipt) => {
    const chat = chats.get(receipt.chatId);
    if (!chat) return;
    if (receipt.userId === me()?.id) {
      // Read on another device: up to the newest message, or the server counts what is left. This
      // device's notifications of the chat up to there close.
      void closeChatNotifications(receipt.chatId, receipt.seq);
      chat.readSeq = Math.max(chat.readSeq, receipt.seq);
      if (receipt.seq >= (chat.lastMessage?.seq ?? 0)) chat.unreadCount = 0;
      else refreshChatsSoon();
    } else {
      chat.peerReadSeq = Math.max(chat.peerReadSeq, receipt.seq);
      chat.peerDeliveredSeq = Math.max(chat.peerDeliveredSeq, receipt.seq);
    }
    renderChatList();
    if (receipt.chatId === openChatId) renderTicks();
  });
  s.on('chat:message_delivered', (receipt: DeliveryReceipt) => {
    const chat = chats.get(receipt.chatId);
    if (!chat || receipt.userId === me()?.id) return;
    chat.peerDeliveredSeq = Math.max(chat.peerDeliveredSeq, receipt.seq);
    if (receipt.chatId === openChatId) renderTicks();
  });
  s.on('chat:typing', async (event: TypingEvent) => {
    if (event.userId === me()?.id) return;
    // Someone who just opened a chat with us types before its first message: that chat is new here.
    if (!chats.has(event.chatId) && event.isTyping) await loadChats();
    const chat = chats.get(event.chatId);
    if (chat) setTyping(chat, event.isTyping);
  });
  groups.listen(s);
  s.on('presence:update', (event: PresenceEvent) => {
    for (const chat of chats.values()) if (chat.peer?.id === event.userId) chat.online = event.online;
    renderChatList();
    renderConversationHeader();
  });
}

function setConnection(text: string): void {
  $.connection.textContent = text;
  $.connection.dataset.state = text === 'online' ? 'online' : 'offline';
}

/** After every (re)connect: everything committed since the last sync, so nothing is lost while away. */
async function syncAfterConnect(): Promise<void> {
  try {
    await loadChats();
    let since = localStorage.getItem(syncKey());
    for (;;) {
      const query = new URLSearchParams({ limit: '500' });
      if (since) query.set('since', since);
      const page = await api<SyncPage>(`/api/sync?${query}`);
      // New messages and changes to messages, in each chat's order.
      for (const entry of syncEntries(page)) {
        if (entry.message) receive(entry.message, false);
        else applyChange(entry.change);
      }
      since = page.token;
      localStorage.setItem(syncKey(), since);
      if (!page.hasMore) break;
    }
    await loadChats();
  } catch (error) {
    $.status.textContent = `Sync failed: ${errorText(error)}`;
  }
}

// ---------------------------------------------------------------- chat list

async function loadChats(): Promise<void> {
  const page = await api<Page<Chat>>('/api/chats?limit=100');
  const seen = new Set<string>();
  for (const chat of page.items) {
    seen.add(chat.id);
    upsertChat(chat);
  }
  chatsLoaded = true;
  renderChatList();
  void openLinkedChat();
  await Promise.all(
    [...chats.values()].filter((c) => c.online === null && c.peer).map((c) => loadPresence(c)),
  );
}

function upsertChat(chat: Chat): ChatState {
  const existing = chats.get(chat.id);
  // The list's answer may be older than what this client heard since it was asked: then its count is too.
  const localNewer =
    !!existing &&
    (existing.readSeq > chat.readSeq || (existing.lastMessage?.seq ?? 0) > (chat.lastMessage?.seq ?? 0));
  const next: ChatState = existing
    ? {
        ...existing,
        ...chat,
        unreadCount: localNewer ? existing.unreadCount : chat.unreadCount,
        readSeq: Math.max(existing.readSeq, chat.readSeq),
        peerReadSeq: Math.max(existing.peerReadSeq, chat.peerReadSeq),
        peerDeliveredSeq: Math.max(existing.peerDeliveredSeq, chat.peerDeliveredSeq),
        lastMessage:
          (existing.lastMessage?.seq ?? 0) > (chat.lastMessage?.seq ?? 0)
            ? existing.lastMessage
            : chat.lastMessage,
      }
    : { ...chat, online: null, typing: false };
  chats.set(chat.id, next);
  return next;
}

async function loadPresence(chat: ChatState): Promise<void> {
  if (!chat.peer) return;
  try {
    const presence = await api<{ online: boolean }>(`/api/users/${chat.peer.id}/presence`);
    chat.online = presence.online;
    renderChatList();
    renderConversationHeader();
  } catch {
    // presence is a nicety
  }
}

/**
 * The server's count, kept up to date here as messages come and are read. (Not a difference of seqs: edits,
 * deletes and reactions take seqs too.)
 */
function unreadOf(chat: ChatState): number {
  return Math.max(0, chat.unreadCount);
}

let chatsRefresh: number | undefined;

/** The chat list again, shortly (once for a burst): for what only the server can count. */
function refreshChatsSoon(): void {
  clearTimeout(chatsRefresh);
  chatsRefresh = window.setTimeout(() => void loadChats().catch(() => {}), 300);
}

function renderChatList(): void {
  drawChatList($.chatList, chats.values(), { openChatId, meId: me()?.id, open: (id) => void openChat(id) });
  redrawWhenMutesEnd(chats.values(), () => {
    renderChatList();
    renderConversationHeader();
  });
}

// ---------------------------------------------------------------- links to a chat, notifications' clicks

window.addEventListener('hashchange', () => {
  const chatId = chatIdOfHash(location.hash);
  if (!chatId) return;
  linkedChat = chatId;
  void openLinkedChat();
});

onOpenChatRequest((chatId) => {
  linkedChat = chatId;
  void openLinkedChat();
});

/** Opens the linked chat once signed in with the list loaded (asking the server for one not in it). */
async function openLinkedChat(): Promise<void> {
  const chatId = linkedChat;
  if (!chatId || !me() || !chatsLoaded) return;
  linkedChat = null;
  if (chatIdOfHash(location.hash)) history.replaceState(null, '', location.pathname + location.search);
  if (!chats.has(chatId)) {
    const chat = await api<Chat>(`/api/chats/${encodeURIComponent(chatId)}`).catch(() => null);
    // Not a chat of this user (any more): the list is all there is to show.
    if (!chat || !me()) return;
    upsertChat(chat);
    renderChatList();
  }
  if (openChatId !== chatId) await openChat(chatId);
}

// ---------------------------------------------------------------- find people

let searchTimer: number | undefined;
$.searchInput.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => void search(), 250);
});
$.searchForm.addEventListener('submit', (event) => {
  event.preventDefault();
  void search();
});

async function search(): Promise<void> {
  const q = $.searchInput.value.trim();
  if (!q) {
    $.searchResults.replaceChildren();
    return;
  }
  try {
    const items = await findPeople(q);
    if (q !== $.searchInput.value.trim()) return;
    $.searchResults.replaceChildren(
      ...(items.length === 0
        ? [h('li', { class: 'muted' }, 'Nobody found')]
        : items.map((user) => {
            const button = h(
              'button',
              { type: 'button', class: 'person', 'aria-label': `Start chat with ${user.name}` },
              user.name,
            );
            button.addEventListener('click', () => void startChat(user));
            return h('li', {}, button);
          })),
    );
  } catch (error) {
    $.searchResults.replaceChildren(h('li', { class: 'error' }, errorText(error)));
  }
}

async function startChat(user: PublicUser): Promise<void> {
  const chat = await api<Chat>('/api/chats/direct', { method: 'POST', body: { userId: user.id } });
  const state = upsertChat(chat);
  $.searchInput.value = '';
  $.searchResults.replaceChildren();
  renderChatList();
  void loadPresence(state);
  await openChat(chat.id);
}

// ---------------------------------------------------------------- conversation

async function openChat(chatId: string): Promise<void> {
  const chat = chats.get(chatId);
  if (!chat) return;
  openChatId = chatId;
  shown = new Map();
  olderCursor = null;
  closeMenu();
  composerContext.cancel();
  $.messages.replaceChildren();
  $.status.textContent = '';
  $.empty.hidden = true;
  $.conversation.hidden = false;
  // On a phone the conversation takes the place of the list.
  $.chatView.classList.add('chat-open');
  renderConversationHeader();
  renderChatList();
  const page = await api<Page<Message>>(`/api/chats/${chatId}/messages?limit=${PAGE_SIZE}`).catch((e) => {
    $.status.textContent = `Cannot load this chat: ${errorText(e)}`;
    return null;
  });
  if (openChatId !== chatId || !page) return;
  olderCursor = page.nextCursor;
  for (const message of page.items) insertMessage(message);
  $.messages.scrollTop = $.messages.scrollHeight;
  await fillViewport(chatId);
  markRead();
  $.messageInput.focus();
}

/** Back to the list (on a phone, where the list and the conversation take turns): the chat is closed. */
$.back.addEventListener('click', () => {
  const closed = openChatId;
  stopTyping();
  closeMenu();
  composerContext.cancel();
  openChatId = null;
  $.conversation.hidden = true;
  $.empty.hidden = false;
  $.chatView.classList.remove('chat-open');
  renderChatList();
  $.chatList.querySelector<HTMLElement>(`.chat-item[data-chat-id="${CSS.escape(closed ?? '')}"]`)?.focus();
});

/** Older pages until the list can scroll (or the chat's start is reached). */
async function fillViewport(chatId: string): Promise<void> {
  while (openChatId === chatId && olderCursor && $.messages.scrollHeight <= $.messages.clientHeight) {
    await loadOlder();
  }
}

async function loadOlder(): Promise<void> {
  const chatId = openChatId;
  if (!chatId || !olderCursor || loadingOlder) return;
  loadingOlder = true;
  try {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE), before: olderCursor });
    const page = await api<Page<Message>>(`/api/chats/${chatId}/messages?${query}`);
    if (openChatId !== chatId) return;
    const before = $.messages.scrollHeight;
    for (const message of page.items) insertMessage(message);
    // Keep what the user was looking at in place.
    $.messages.scrollTop += $.messages.scrollHeight - before;
    olderCursor = page.nextCursor;
  } finally {
    loadingOlder = false;
  }
}

$.messages.addEventListener('scroll', () => {
  if ($.messages.scrollTop < 80) void loadOlder();
});

function renderConversationHeader(): void {
  const chat = openChatId ? chats.get(openChatId) : undefined;
  if (!chat) return;
  const el = { name: $.peerName, presence: $.peerPresence, typing: $.typing, actions: $.headerActions };
  drawHeader({ ...el, notice: $.chatNotice, composer: $.composer }, chat, {
    meId: () => me()?.id,
    openGroupInfo: (chatId) => void groups.panel.open(chatId),
    report: (text) => ($.status.textContent = text),
    notificationsChanged: (chatId, view) => {
      const changed = chats.get(chatId);
      if (!changed) return;
      changed.notifications = view;
      renderChatList();
      renderConversationHeader();
      // The bell was drawn anew: the focus goes back to it, not to the page.
      if (document.activeElement === document.body && chatId === openChatId)
        $.headerActions.querySelector<HTMLElement>('.mute-button')?.focus();
    },
  });
}

const groups = setupGroups(
  {
    chats,
    meId: () => me()?.id,
    openChatId: () => openChatId,
    upsertChat,
    openChat,
    closeChat: () => $.back.click(),
    receive: (message) => receive(message, true),
    render: () => {
      renderChatList();
      renderConversationHeader();
    },
    status: (text) => ($.status.textContent = text),
  },
  $.newGroup,
);

function setTyping(chat: ChatState, typing: boolean): void {
  chat.typing = typing;
  clearTimeout(chat.typingTimer);
  // The server says `false` by itself after 5 s; this is the safety net if that event is lost.
  if (typing) chat.typingTimer = window.setTimeout(() => setTyping(chat, false), 7000);
  renderChatList();
  if (chat.id === openChatId) renderConversationHeader();
}

/** Places a message by seq in the open conversation (idempotent). */
function insertMessage(message: Message): void {
  if (shown.has(message.id)) return;
  shown.set(message.id, message);
  const element = renderBubble(message, bubbleHooks);
  const after = [...$.messages.children].find((li) => Number((li as HTMLElement).dataset.seq) > message.seq);
  $.messages.insertBefore(element, after ?? null);
}

function tickOf(message: Message, chat: ChatState): { status: string; text: string } {
  if (message.seq <= chat.peerReadSeq) return { status: 'read', text: '✓✓' };
  if (message.seq <= chat.peerDeliveredSeq) return { status: 'delivered', text: '✓✓' };
  return { status: 'sent', text: '✓' };
}

const bubbleHooks: BubbleHooks = {
  meId: () => me()?.id,
  nameOf,
  media: renderMedia,
  tick: (message) => {
    const chat = chats.get(message.chatId);
    return chat ? tickOf(message, chat) : { status: 'sent', text: '✓' };
  },
  menuButton: (messageId) => menuButton(messageId, menuActions),
  showOriginal,
  toggleReaction: (messageId, reaction) => {
    const message = shown.get(messageId);
    if (message) react(message, reaction.emoji, !reaction.me);
  },
};

/** A user's name as this client knows it, for the quote of a reply. */
function nameOf(userId: string | null): string | null {
  if (!userId) return null;
  if (userId === me()?.id) return 'You';
  const chat = openChatId ? chats.get(openChatId) : undefined;
  if (chat?.peer?.id === userId) return chat.peer.name;
  for (const message of shown.values()) if (message.sender.id === userId) return message.sender.name;
  return null;
}

function renderTicks(): void {
  const chat = openChatId ? chats.get(openChatId) : undefined;
  if (!chat) return;
  for (const li of $.messages.querySelectorAll<HTMLElement>('li.message.mine')) {
    const message = shown.get(li.dataset.id ?? '');
    const tickElement = li.querySelector<HTMLElement>('.tick');
    if (!message || !tickElement) continue;
    const tick = tickOf(message, chat);
    li.dataset.status = tick.status;
    tickElement.textContent = tick.text;
    tickElement.setAttribute('aria-label', tick.status);
    tickElement.title = tick.status;
  }
}

// ---------------------------------------------------------------- receiving, receipts

function receive(message: Message, live: boolean): void {
  const mine = message.sender.id === me()?.id;
  let chat = chats.get(message.chatId);
  if (!chat) {
    // A chat this list has not seen yet: load the list once, then take the message again.
    if (!pending.has(message.chatId)) pending.set(message.chatId, []);
    pending.get(message.chatId)!.push(message);
    clearTimeout(pendingTimer);
    pendingTimer = window.setTimeout(() => void replayPending(live), 100);
    return;
  }
  if ((chat.lastMessage?.seq ?? 0) < message.seq) {
    chat.lastMessage = message;
    chat.updatedAt = message.createdAt;
    // System messages are notices: never unread, and one's own does not move one's read mark.
    if (!mine && message.seq > chat.readSeq && message.kind !== 'system') chat.unreadCount += 1;
    if (groups.received(chat, message)) return;
  }
  if (mine && message.kind !== 'system') {
    // Sending moves one's read mark to one's own message.
    chat.readSeq = Math.max(chat.readSeq, message.seq);
    chat.unreadCount = 0;
  } else if (chat.typing && live) setTyping(chat, false);
  chat = chats.get(message.chatId)!;
  if (message.chatId === openChatId) {
    const atBottom = $.messages.scrollHeight - $.messages.scrollTop - $.messages.clientHeight < 120;
    insertMessage(message);
    if (atBottom || mine) $.messages.scrollTop = $.messages.scrollHeight;
  }
  if (!mine) markDelivered(message);
  renderChatList();
  if (message.chatId === openChatId) markRead();
}

const pending = new Map<string, Message[]>();
let pendingTimer: number | undefined;

async function replayPending(live: boolean): Promise<void> {
  await loadChats();
  const waiting = [...pending.entries()];
  pending.clear();
  for (const [chatId, messages] of waiting) {
    if (chats.has(chatId)) for (const message of messages) receive(message, live);
  }
}

/** This device got it: tell the sender (once per chat per seq; the mark only moves forward). */
function markDelivered(message: Message): void {
  if ((deliveredSent.get(message.chatId) ?? 0) >= message.seq) return;
  const chat = chats.get(message.chatId);
  if (chat && chat.readSeq >= message.seq) return;
  deliveredSent.set(message.chatId, message.seq);
  socket?.emit('chat:message_delivered', { chatId: message.chatId, messageId: message.id });
}

/** The open conversation is read up to its newest message while the page is visible. */
function markRead(): void {
  const chat = openChatId ? chats.get(openChatId) : undefined;
  if (!chat || document.visibilityState !== 'visible') return;
  let newest: Message | undefined;
  for (const message of shown.values()) if (!newest || message.seq > newest.seq) newest = message;
  if (!newest) return;
  // Seen here: this device's notifications of the chat close (the server's read push closes the others').
  void closeChatNotifications(chat.id, newest.seq);
  if (newest.seq <= chat.readSeq) return;
  chat.readSeq = newest.seq;
  chat.unreadCount = 0;
  socket?.emit('chat:message_read', { chatId: chat.id, messageId: newest.id });
  renderChatList();
}

document.addEventListener('visibilitychange', markRead);

// ---------------------------------------------------------------- replies, edits, deletes, reactions

const menuActions: MenuActions = {
  message: (id) => shown.get(id),
  meId: () => me()?.id,
  reply: (message) => composerContext.reply(message),
  edit: (message) => composerContext.edit(message),
  delete: (message, scope) =>
    void act(requestChange(socket, 'chat:message_delete', { messageId: message.id, scope }), (view) => {
      // The live event says the same; this shows it at once.
      const deletedAt = view.deletedAt ?? new Date().toISOString();
      const change = { chatId: view.chatId, messageId: view.id, seq: 0, scope, deletedAt };
      applyChange({ type: 'message_deleted', ...change }, false);
      if (scope === 'me' && !document.activeElement?.closest('#conversation')) $.messageInput.focus();
    }),
  react,
};

function react(message: Message, emoji: string, add: boolean): void {
  // The reaction shows when its event comes (to this device too): its count is the server's.
  const event = add ? 'chat:reaction_add' : 'chat:reaction_remove';
  void act(requestChange(socket, event, { messageId: message.id, emoji }));
}

/** New text for one of one's own messages, from the composer in edit mode. */
async function saveEdit(message: Message, content: string): Promise<void> {
  if (content === message.content) {
    composerContext.cancel();
    return;
  }
  if (!content && !message.mediaUrl) {
    $.status.textContent = 'A message cannot be empty. To remove it, delete it instead.';
    return;
  }
  $.send.disabled = true;
  try {
    await act(requestChange(socket, 'chat:message_edit', { messageId: message.id, content }), (view) => {
      if (composerContext.editing()?.id === message.id) composerContext.cancel();
      if (view.editedAt) {
        const change = { chatId: view.chatId, messageId: view.id, seq: 0, content: view.content };
        applyChange({ type: 'message_edited', ...change, editedAt: view.editedAt }, false);
      }
    });
  } finally {
    $.send.disabled = false;
  }
}

/** Waits for a change's ack: the notice line says why it was refused, or is cleared. */
async function act(request: Promise<Message>, then?: (view: Message) => void): Promise<void> {
  try {
    const view = await request;
    $.status.textContent = '';
    then?.(view);
  } catch (error) {
    $.status.textContent = friendlyError(error);
  }
}

/**
 * An edit, a delete or a reaction, live or from sync (`logged`: it carries its seq), or as an ack showed
 * it: the open conversation, the quotes of replies to it, the bar above the composer and the chat list.
 */
function applyChange(change: ChatChange, logged = true): void {
  if (logged && !changeGuard.admit(change)) return;
  const meId = me()?.id;
  const chat = chats.get(change.chatId);
  if (chat?.lastMessage?.id === change.messageId) {
    chat.lastMessage = changed(chat.lastMessage, change, meId);
    // Gone from this device: the message before it is the server's to tell.
    if (!chat.lastMessage) refreshChatsSoon();
  }
  // A deleted message may have been unread: the server counts again.
  if (change.type === 'message_deleted' && chat && unreadOf(chat) > 0) refreshChatsSoon();
  const current = change.chatId === openChatId ? shown.get(change.messageId) : undefined;
  if (current) {
    const next = changed(current, change, meId);
    const li = elementOf(current.id);
    if (next) {
      shown.set(next.id, next);
      if (li) updateBubble(li, next, bubbleHooks);
    } else {
      shown.delete(current.id);
      li?.remove();
    }
    if (composerContext.follow(current.id, next) && next) $.status.textContent = 'That message was deleted.';
  }
  if (change.chatId === openChatId) {
    for (const message of shown.values()) {
      if (message.replyTo?.id !== change.messageId) continue;
      const replyTo = applyChangeToReply(message.replyTo, change);
      if (replyTo === message.replyTo) continue;
      const next = { ...message, replyTo };
      shown.set(next.id, next);
      const li = elementOf(next.id);
      if (li) updateBubble(li, next, bubbleHooks);
    }
  }
  renderChatList();
}

function elementOf(messageId: string): HTMLElement | null {
  return $.messages.querySelector<HTMLElement>(`li.message[data-id="${CSS.escape(messageId)}"]`);
}

/** A reply's quote was clicked: its original, if loaded, scrolls into view and flashes. */
function showOriginal(messageId: string): void {
  const li = elementOf(messageId);
  if (!li) {
    $.status.textContent = 'The original message is not loaded here. Scroll up to find it.';
    return;
  }
  const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  li.scrollIntoView({ block: 'center', behavior: smooth ? 'smooth' : 'auto' });
  // The class stays (the animation runs once) until another original is shown.
  for (const other of $.messages.querySelectorAll('li.flash')) other.classList.remove('flash');
  void li.offsetWidth; // restarts the animation on the same message
  li.classList.add('flash');
}

// ---------------------------------------------------------------- sending

async function sendMessage(payload: Omit<MessageSendPayload, 'receiverId' | 'chatId' | 'clientMessageId'>) {
  const chat = openChatId ? chats.get(openChatId) : undefined;
  if (!chat || !socket) return false;
  $.send.disabled = true;
  try {
    // Socket.IO buffers the emit while disconnected; a retry with the same clientMessageId stores one copy.
    const ack: AckResult<{ message: Message }> = await socket
      .timeout(15_000)
      .emitWithAck('chat:message_send', { chatId: chat.id, clientMessageId: newId(), ...payload });
    if (!ack.ok) {
      const goneOriginal = payload.replyToId && /^MESSAGE_(DELETED|NOT_FOUND)$/.test(ack.error.code);
      $.status.textContent = goneOriginal ? 'The message you replied to was deleted.' : ack.error.message;
      return false;
    }
    receive(ack.message, true);
    $.status.textContent = '';
    return true;
  } catch (error) {
    $.status.textContent = `Not sent: ${errorText(error)}`;
    return false;
  } finally {
    $.send.disabled = false;
  }
}

$.composer.addEventListener('submit', async (event) => {
  event.preventDefault();
  const content = $.messageInput.value.trim();
  const editing = composerContext.editing();
  if (editing) {
    await saveEdit(editing, content);
    return;
  }
  const mediaUrl = $.mediaUrl.value.trim();
  if (!content && !mediaUrl) return;
  if (mediaUrl && !mediaUrlOf(mediaUrl, location.origin)) {
    $.status.textContent = 'The media URL must be an http(s) URL';
    return;
  }
  stopTyping();
  const mediaType = $.mediaType.value;
  // Cleared now, not when the ack comes: by then the user may have typed the next message.
  $.messageInput.value = '';
  $.mediaUrl.value = '';
  $.mediaType.value = '';
  const replyTo = composerContext.takeReply();
  const sent = await sendMessage({
    content,
    ...(mediaUrl ? { mediaUrl } : {}),
    ...(mediaUrl && mediaType ? { LiveMediaType: mediaType as MediaType } : {}),
    ...(replyTo ? { replyToId: replyTo.id } : {}),
  });
  // Not sent: give the text back, unless something new was typed meanwhile.
  if (!sent && !$.messageInput.value && !$.mediaUrl.value && !composerContext.mode) {
    $.messageInput.value = content;
    $.mediaUrl.value = mediaUrl;
    $.mediaType.value = mediaType;
    if (replyTo && shown.get(replyTo.id)?.deletedAt === null) composerContext.reply(replyTo);
  }
});

$.messageInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $.composer.requestSubmit();
  }
});

$.messageInput.addEventListener('input', () => {
  if (!openChatId || !socket) return;
  if (Date.now() - typingSentAt > 3000) {
    typingSentAt = Date.now();
    socket.emit('chat:typing', { chatId: openChatId, isTyping: true });
  }
  clearTimeout(typingStopTimer);
  typingStopTimer = window.setTimeout(stopTyping, 2500);
});

function stopTyping(): void {
  clearTimeout(typingStopTimer);
  if (typingSentAt && openChatId) socket?.emit('chat:typing', { chatId: openChatId, isTyping: false });
  typingSentAt = 0;
}

// ---------------------------------------------------------------- uploads and voice notes

async function uploadAndSend(file: Blob, name: string, type?: MediaType): Promise<void> {
  $.status.textContent = 'Uploading…';
  try {
    const form = new FormData();
    form.append('file', file, name);
    const upload = await api<Upload>('/api/media', { method: 'POST', form });
    const replyTo = composerContext.takeReply();
    await sendMessage({
      content: $.messageInput.value.trim(),
      mediaUrl: upload.url,
      LiveMediaType: type ?? upload.mediaType,
      ...(replyTo ? { replyToId: replyTo.id } : {}),
    });
    $.messageInput.value = '';
  } catch (error) {
    $.status.textContent = `Upload failed: ${errorText(error)}`;
  }
}

$.mediaFile.addEventListener('change', async () => {
  const file = $.mediaFile.files?.[0];
  if (!file) return;
  await uploadAndSend(file, file.name);
  $.mediaFile.value = '';
});

let recorder: MediaRecorder | null = null;

$.record.addEventListener('click', async () => {
  if (recorder) {
    recorder.stop();
    return;
  }
  if (!navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === 'undefined') {
    $.status.textContent = 'Recording needs a browser with MediaRecorder, on https or localhost';
    return;
  }
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const mimeType = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4'].find((t) =>
      MediaRecorder.isTypeSupported(t),
    );
    const active = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    const chunks: Blob[] = [];
    active.addEventListener('dataavailable', (event) => chunks.push(event.data));
    active.addEventListener('stop', () => {
      for (const track of stream.getTracks()) track.stop();
      recorder = null;
      $.record.textContent = 'Record voice note';
      $.record.setAttribute('aria-pressed', 'false');
      const type = active.mimeType || 'audio/webm';
      const extension = type.includes('ogg') ? 'ogg' : type.includes('mp4') ? 'm4a' : 'webm';
      void uploadAndSend(new Blob(chunks, { type }), `voice-note.${extension}`, 'AUDIO');
    });
    // Offer "Stop and send" only once the recorder really runs, or a quick stop would send nothing.
    active.addEventListener('start', () => {
      $.record.textContent = 'Stop and send';
      $.record.setAttribute('aria-pressed', 'true');
      $.status.textContent = 'Recording…';
    });
    recorder = active;
    active.start();
  } catch (error) {
    $.status.textContent = `Cannot record: ${errorText(error)}`;
  }
});

// ---------------------------------------------------------------- start

// The service worker registers now (no prompt: only "Turn on notifications" asks for permission).
void registerWorker().catch(() => {});
if (currentSession()) void showSignedIn();
else showSignedOut();
