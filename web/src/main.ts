// The page's start: the sign-in screens or, with a session (kept across reloads), the chats; a chat to
// open from a link (`/#chat=<id>`) or a clicked notification; Web Push for this device.
import type { ChatClient } from '@live-chat/client';
import { setupAuthView } from './auth-view';
import { showChatView } from './chat-view';
import { chatIdOfHash } from './deep-link';
import { byId } from './dom';
import { PushToggle } from './push-toggle';
import { onClientChange, resumeSaved, signOut } from './sdk';
import { onOpenChatRequest, registerWorker } from './worker';
import './styles/index.css';

const auth = setupAuthView(byId('auth-view'));
const pushToggle = new PushToggle({
  area: byId('push-area'),
  button: byId<HTMLButtonElement>('push-toggle'),
  state: byId('push-state'),
});
let view: { open(chatId: string): void } | null = null;
let linked: string | null = chatIdOfHash(location.hash);

/** Opens the linked chat once signed in and caught up (asking the service for one the store lacks). */
async function openLinked(client: ChatClient): Promise<void> {
  const chatId = linked;
  if (!chatId || !view) return;
  linked = null;
  if (chatIdOfHash(location.hash)) history.replaceState(null, '', location.pathname + location.search);
  await client.live();
  if (!client.store.hasChat(chatId)) {
    const chat = await client.api.chat(chatId).catch(() => null);
    // Not a chat of this user (any more): the list is all there is to show.
    if (!chat) return;
    client.store.setChat(chat);
    client.store.flush();
  }
  view.open(chatId);
}

onClientChange((client) => {
  if (!client) {
    // Signed out (here, or the service ended the session): a fresh page, with nothing of the session left.
    if (view) {
      void pushToggle.signedOut().finally(() => location.reload());
      return;
    }
    byId('chat-view').hidden = true;
    byId('auth-view').hidden = false;
    auth.show();
    return;
  }
  view = showChatView(client);
  void pushToggle.signedIn();
  void openLinked(client);
  const openLater = (chatId: string) => {
    linked = chatId;
    void openLinked(client);
  };
  window.addEventListener('hashchange', () => {
    const chatId = chatIdOfHash(location.hash);
    if (chatId) openLater(chatId);
  });
  onOpenChatRequest(openLater);
});

byId<HTMLButtonElement>('sign-out').addEventListener('click', () => void signOut());

// The service worker registers now (no prompt: only "Turn on notifications" asks for permission).
void registerWorker().catch(() => {});
void resumeSaved();
