import { Api } from './api.js';
import { Connection, type SocketOverrides } from './connection.js';
import type {
  AuthResult,
  MediaType,
  MessageView,
  PresenceEvent,
  ServerToClientEvents,
  TypingEvent,
  UserView,
} from './contract.js';
import { Emitter } from './emitter.js';
import { ChatError } from './errors.js';
import { defaultStorage } from './indexeddb-storage.js';
import type { LoginInput, RegisterInput } from './inputs.js';
import { bindLiveEvents } from './live-events.js';
import { Outbox, type OutgoingMessage } from './outbox.js';
import { request } from './request.js';
import { Session } from './session.js';
import { emitWithAck } from './socket-ack.js';
import type { ConnectionState } from './state.js';
import type { KeyValueStorage } from './storage.js';
import { Store } from './store.js';
import { catchUp, type LogEntry } from './sync.js';
import { type UploadInput, type UploadOptions, upload } from './upload.js';

export interface ClientOptions {
  /** Where the outbox lives: IndexedDB in browsers and memory elsewhere unless given. */
  storage?: KeyValueStorage;
  /** Socket.IO options to override (transports, reconnection delays). */
  socket?: SocketOverrides;
}

export type ClientEvents = {
  state: (state: ConnectionState) => void;
  /** A send changed status (`sending` → `sent` or `failed`). */
  outgoing: (message: OutgoingMessage) => void;
  typing: (event: TypingEvent) => void;
  presence: (event: PresenceEvent) => void;
  /** A new token pair: store it to resume the session later. */
  tokens: (tokens: { accessToken: string; refreshToken: string }) => void;
  /** The session ended (logout, or refused by the service): sign in again. */
  ended: (error: ChatError | null) => void;
  /** A refusal the service reported without an ack. */
  error: ServerToClientEvents['chat:error'];
};

export type SendTarget = { chatId: string } | { receiverId: string };

export interface SendContent {
  content?: string;
  mediaUrl?: string;
  mediaType?: MediaType;
  replyToId?: string;
}

/**
 * One signed-in user on one device: the session, the socket, the sync, the outbox and the local store,
 * wired so that an app sends with send(), renders from `store`, and never sees a reconnect or an expired
 * token.
 */
export class ChatClient extends Emitter<ClientEvents> {
  readonly api: Api;
  readonly store: Store;
  readonly outbox: Outbox;
  private readonly connection: Connection;
  private syncToken: string | undefined;
  /** Chats whose settings this device has not fetched yet. */
  private readonly unfetched = new Set<string>();
  // Log entries apply one at a time in arrival order; a sync or a gap fill holds back the ones behind it.
  private queue: Promise<unknown> = Promise.resolve();

  static async register(baseUrl: string, input: RegisterInput, options?: ClientOptions): Promise<ChatClient> {
    return ChatClient.resume(
      baseUrl,
      await request<AuthResult>(baseUrl, 'POST', '/api/auth/register', { body: input }),
      options,
    );
  }

  static async login(baseUrl: string, input: LoginInput, options?: ClientOptions): Promise<ChatClient> {
    return ChatClient.resume(
      baseUrl,
      await request<AuthResult>(baseUrl, 'POST', '/api/auth/login', { body: input }),
      options,
    );
  }

  /** Starts from a session signed in before (tokens kept from the `tokens` event), and connects. */
  static async resume(baseUrl: string, auth: AuthResult, options: ClientOptions = {}): Promise<ChatClient> {
    const client = new ChatClient(
      new Session(baseUrl, auth),
      options.storage ?? (await defaultStorage()),
      options,
    );
    await client.outbox.restore();
    client.connection.open();
    return client;
  }

  private constructor(
    readonly session: Session,
    storage: KeyValueStorage,
    options: ClientOptions,
  ) {
    super();
    this.api = new Api(session);
    this.store = new Store(session.user.id);
    this.outbox = new Outbox(storage, session.user.id, (payload) =>
      emitWithAck(this.connection.socket, 'chat:message_send', payload),
    );
    this.connection = new Connection(session, () => this.serial(() => this.sync()), options.socket);
    this.connection.on('state', (state) => {
      this.outbox.setOnline(state === 'live');
      this.emit('state', state);
    });
    this.outbox.on('update', (outgoing) => {
      const message = outgoing.message;
      if (message) {
        void this.serial(async () => {
          this.apply({ kind: 'message', message });
          this.store.flush();
        });
      }
      this.emit('outgoing', outgoing);
    });
    session.on('refreshed', (tokens) => this.emit('tokens', tokens));
    session.on('ended', (error) => this.emit('ended', error));
    const socket = this.connection.socket;
    bindLiveEvents(socket, {
      entry: (entry, patch) => void this.serial(() => this.onLive(entry, patch)).catch(() => {}),
      read: (receipt) => this.store.markRead(receipt.chatId, receipt.userId, receipt.seq),
      delivered: (receipt) => this.store.markDelivered(receipt.chatId, receipt.seq),
    });
    socket.on('chat:typing', (event) => this.emit('typing', event));
    socket.on('presence:update', (event) => this.emit('presence', event));
    socket.on('chat:error', (error) => this.emit('error', error));
  }

  get user(): UserView {
    return this.session.user;
  }

  /** The typed socket, for events the client does not wrap; the client owns its connection. */
  get socket() {
    return this.connection.socket;
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  /** Resolves once the client is connected and caught up. */
  async live(): Promise<void> {
    if (this.state !== 'live') await this.when('state', (state) => state === 'live');
  }

  /** A log entry heard live: applied in order behind any sync or gap fill, after the hole before it is filled. */
  private async onLive(entry: LogEntry, patch?: { memberCount?: number }): Promise<void> {
    const { chatId, seq } = entry.kind === 'message' ? entry.message : entry.change;
    const known = this.store.applied.knows(chatId) && !this.store.applied.has(chatId, seq);
    // Offline or syncing, the next sync brings whatever is missing; live, a hole is filled at once.
    if (this.state === 'live' && known && seq > this.store.applied.top(chatId) + 1) {
      await this.fillGap(chatId, seq).catch(() => {});
    }
    this.apply(entry);
    if (patch) this.store.patchChat(chatId, patch);
    await this.fetchChats();
    this.store.flush();
  }

  /** Sends a message: returns at once with the local copy, and keeps trying until the service answers. */
  send(target: SendTarget, content: string | SendContent): OutgoingMessage {
    const body = typeof content === 'string' ? { content } : content;
    return this.outbox.add({
      ...target,
      content: body.content,
      mediaUrl: body.mediaUrl,
      LiveMediaType: body.mediaType,
      replyToId: body.replyToId,
    });
  }

  /**
   * This device's sends to a chat that the service has not acknowledged yet, oldest first, for a UI to
   * show after the chat's messages (a first message to someone has no chat yet: it matches by the peer).
   */
  pending(chatId: string): OutgoingMessage[] {
    const peerId = this.store.chat(chatId)?.peer?.id;
    return this.outbox
      .pending()
      .filter((m) => m.payload.chatId === chatId || (!!peerId && m.payload.receiverId === peerId));
  }

  /** Resolves with the stored message once a send is acknowledged; rejects with the refusal if it fails. */
  async sent(outgoing: OutgoingMessage): Promise<MessageView> {
    const [settled] =
      outgoing.status === 'sending'
        ? await this.outbox.when(
            'update',
            (m) => m.clientMessageId === outgoing.clientMessageId && m.status !== 'sending',
          )
        : [outgoing];
    if (settled.status === 'failed') throw new ChatError(settled.error!.code, settled.error!.message);
    return settled.message!;
  }

  // Changes to messages go over the socket when it is up, else over REST: the same rules, the same answer.
  edit(messageId: string, content: string): Promise<MessageView> {
    return this.viaSocket(
      () => emitWithAck(this.connection.socket, 'chat:message_edit', { messageId, content }),
      () => this.api.editMessage(messageId, content),
    );
  }

  deleteMessage(messageId: string, scope: 'everyone' | 'me'): Promise<MessageView> {
    return this.viaSocket(
      () => emitWithAck(this.connection.socket, 'chat:message_delete', { messageId, scope }),
      () => this.api.deleteMessage(messageId, scope),
    );
  }

  react(messageId: string, emoji: string): Promise<MessageView> {
    return this.viaSocket(
      () => emitWithAck(this.connection.socket, 'chat:reaction_add', { messageId, emoji }),
      () => this.api.addReaction(messageId, emoji),
    );
  }

  unreact(messageId: string, emoji: string): Promise<MessageView> {
    return this.viaSocket(
      () => emitWithAck(this.connection.socket, 'chat:reaction_remove', { messageId, emoji }),
      () => this.api.removeReaction(messageId, emoji),
    );
  }

  /** Marks a chat read up to a message; the store's unread count follows at once. */
  async markRead(chatId: string, messageId: string): Promise<{ unreadCount: number }> {
    const answer = await this.api.markRead(chatId, messageId);
    this.store.markRead(chatId, this.user.id, answer.seq);
    this.store.flush();
    return answer;
  }

  /** Tells the sender this device received a message (their delivered tick). */
  async markDelivered(chatId: string, messageId: string): Promise<void> {
    await emitWithAck(this.connection.socket, 'chat:message_delivered', { chatId, messageId });
  }

  async typing(target: SendTarget, isTyping: boolean): Promise<void> {
    await emitWithAck(this.connection.socket, 'chat:typing', { ...target, isTyping });
  }

  upload(input: UploadInput, options?: UploadOptions) {
    return upload(this.session, input, options);
  }

  /** Ends the session on the service too (its refresh token stops working) and disconnects. */
  async logout(): Promise<void> {
    await this.session.logout();
    this.close();
  }

  /** Disconnects and stops every timer; unsent messages stay in storage for the next run. */
  close(): void {
    this.outbox.close();
    this.connection.close();
    this.session.stop();
  }

  private async viaSocket(
    socket: () => Promise<{ message: MessageView }>,
    rest: () => Promise<MessageView>,
  ): Promise<MessageView> {
    if (this.state !== 'live') return rest();
    return (await socket()).message;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => {});
    return run;
  }

  private apply(entry: LogEntry): void {
    if (entry.kind === 'change') {
      this.store.applyChange(entry.change);
      return;
    }
    if (!this.store.hasChat(entry.message.chatId)) this.unfetched.add(entry.message.chatId);
    this.store.applyMessage(entry.message);
    this.outbox.settle(entry.message);
  }

  private async sync(): Promise<void> {
    const first = this.syncToken === undefined;
    const touched = new Set<string>();
    this.syncToken = await catchUp(this.api, this.syncToken, (entry) => {
      this.apply(entry);
      touched.add(entry.kind === 'message' ? entry.message.chatId : entry.change.chatId);
    });
    // Sync carries the log, not each chat's settings and read marks: those come from the chat views.
    if (first) await this.fetchAllChats();
    for (const chatId of touched) this.unfetched.add(chatId);
    await this.fetchChats();
    this.store.flush();
  }

  private async fetchAllChats(): Promise<void> {
    let before: string | undefined;
    do {
      const page = await this.api.chats({ limit: 100, ...(before ? { before } : {}) });
      for (const view of page.items) this.store.setChat(view);
      before = page.nextCursor ?? undefined;
    } while (before);
  }

  private async fetchChats(): Promise<void> {
    const chatIds = [...this.unfetched];
    this.unfetched.clear();
    await Promise.all(
      chatIds.map((chatId) =>
        this.api.chat(chatId).then(
          (view) => this.store.setChat(view),
          (error: unknown) => {
            // Not a member any more: the chat stays, read-only. Anything else: try again after the next sync.
            if (error instanceof ChatError && error.code === 'CHAT_NOT_FOUND') {
              this.store.patchChat(chatId, { member: false });
            } else this.unfetched.add(chatId);
          },
        ),
      ),
    );
  }

  /**
   * Brings what a chat's log holds between what this device has and `seq`: its messages from history; if
   * the hole held more than messages (changes to older ones, which history shows only as their result),
   * a sync from the last token, which carries those too.
   */
  private async fillGap(chatId: string, seq: number): Promise<void> {
    const from = this.store.applied.top(chatId);
    let after: unknown = from;
    do {
      const page = await this.api.history(chatId, { after, limit: 100 });
      for (const message of page.items) this.apply({ kind: 'message', message });
      after = page.nextCursor;
    } while (after !== null && Number(after) < seq);
    for (let missing = from + 1; missing < seq; missing++) {
      if (this.store.applied.has(chatId, missing)) continue;
      await this.sync();
      break;
    }
    // What is still missing is not this user's to see (deleted for someone else, or from someone blocked).
    this.store.applied.cover(chatId, seq - 1);
  }
}
