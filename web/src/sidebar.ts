// The chat list's column: who is signed in, the connection, "Find people" and the chats.
import type { ChatClient, ConnectionState } from '@live-chat/client';
import { renderChatList } from './chat-list';
import { redrawWhenMutesEnd } from './chat-mute';
import type { ChatExtras } from './chat-state';
import { byId, h } from './dom';
import { friendlyError } from './message-actions';
import { avatar, findPeople } from './people';
import type { PublicUser } from './sdk';

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'connecting…',
  syncing: 'catching up…',
  live: 'online',
  offline: 'offline, reconnecting…',
};
// Searching waits for a pause in typing.
const SEARCH_PAUSE_MS = 250;

export interface SidebarHooks {
  open(chatId: string): void;
  openChatId(): string | null;
}

export class Sidebar {
  private readonly list = byId<HTMLUListElement>('chat-list');
  private readonly searchInput = byId<HTMLInputElement>('search-input');
  private readonly results = byId<HTMLUListElement>('search-results');
  private searchTimer: number | undefined;

  constructor(
    private readonly client: ChatClient,
    private readonly chats: ChatExtras,
    private readonly hooks: SidebarHooks,
  ) {
    byId('me-name').textContent = client.user.name;
    byId('me-avatar').replaceChildren(avatar(client.user.name, client.user.avatar));
    const connection = byId('connection');
    const showState = (state: ConnectionState) => {
      connection.textContent = CONNECTION_TEXT[state];
      connection.dataset.state = state;
    };
    showState(client.state);
    client.on('state', showState);
    this.searchInput.value = '';
    this.results.replaceChildren();
    this.searchInput.oninput = () => {
      window.clearTimeout(this.searchTimer);
      this.searchTimer = window.setTimeout(() => void this.search(), SEARCH_PAUSE_MS);
    };
    byId<HTMLFormElement>('search-form').onsubmit = (event) => {
      event.preventDefault();
      void this.search();
    };
  }

  render(): void {
    const chats = this.chats.all();
    renderChatList(this.list, chats, {
      openChatId: this.hooks.openChatId(),
      meId: this.client.user.id,
      open: (id) => this.hooks.open(id),
    });
    redrawWhenMutesEnd(chats, () => this.render());
  }

  /** Puts the focus back on a chat's row (after going back from it). */
  focusChat(chatId: string): void {
    this.list.querySelector<HTMLElement>(`.chat-item[data-chat-id="${CSS.escape(chatId)}"]`)?.focus();
  }

  private async search(): Promise<void> {
    const q = this.searchInput.value.trim();
    if (!q) {
      this.results.replaceChildren();
      return;
    }
    try {
      const items = await findPeople(q);
      if (q !== this.searchInput.value.trim()) return;
      this.results.replaceChildren(
        ...(items.length === 0
          ? [h('li', { class: 'muted' }, 'Nobody found')]
          : items.map((user) => this.person(user))),
      );
    } catch (error) {
      this.results.replaceChildren(h('li', { class: 'error' }, friendlyError(error)));
    }
  }

  private person(user: PublicUser): HTMLLIElement {
    const button = h(
      'button',
      { type: 'button', class: 'person', 'aria-label': `Start chat with ${user.name}` },
      avatar(user.name, user.avatar),
      h('span', { class: 'person-name' }, user.name),
    );
    button.addEventListener('click', async () => {
      try {
        const view = await this.client.api.directChat(user.id);
        await this.chats.fetch(view.id);
        this.searchInput.value = '';
        this.results.replaceChildren();
        this.hooks.open(view.id);
      } catch (error) {
        this.results.replaceChildren(h('li', { class: 'error' }, friendlyError(error)));
      }
    });
    return h('li', {}, button);
  }
}
