// The signed-in screen, built once per page for one ChatClient: the list and the conversation side by side
// from tablet width, taking turns on a phone; everything drawn again from the store when it changes.
import type { ChatClient } from '@live-chat/client';
import { AttachMenu } from './attach-menu';
import { ChatExtras, type ChatState } from './chat-state';
import { Composer } from './composer';
import { ComposerContext } from './composer-context';
import { Conversation } from './conversation';
import { renderConversationHeader } from './conversation-header';
import { byId } from './dom';
import { setupGroups } from './groups';
import { renderMedia } from './media';
import { MediaSend } from './media-send';
import { friendlyError } from './message-actions';
import { closeMenu, menuButton } from './message-menu';
import { messageActions } from './message-menu-actions';
import { watchReceipts } from './receipts';
import { Sidebar } from './sidebar';

export function showChatView(client: ChatClient): { open(chatId: string): void } {
  const layout = byId('chat-view');
  const messages = byId<HTMLOListElement>('messages');
  const status = byId('composer-status');
  const say = (text: string) => {
    status.textContent = text;
  };
  let conversation: Conversation;
  const chats = new ChatExtras(client, () => renderAll());
  const chatId = () => conversation.chatId;

  const input = byId<HTMLTextAreaElement>('message-input');
  const form = byId<HTMLFormElement>('composer');
  const send = byId<HTMLButtonElement>('send');
  const context = new ComposerContext(
    {
      bar: byId('composer-context'),
      title: byId('composer-context-title'),
      preview: byId('composer-context-preview'),
      cancel: byId<HTMLButtonElement>('composer-context-cancel'),
      composer: form,
      input,
      send,
    },
    () => client.user.id,
  );
  const actions = messageActions(client, {
    message: (id) => conversation.list.message(id),
    context,
    status: say,
    input,
  });
  conversation = new Conversation(
    client,
    chats,
    messages,
    {
      meId: () => client.user.id,
      nameOf: (userId) => nameOf(userId),
      media: renderMedia,
      tick: () => ({ status: 'sent', text: '✓' }),
      menuButton: (messageId) => menuButton(messageId, actions),
      showOriginal: (messageId) => {
        if (!conversation.showOriginal(messageId))
          say('The original message is not loaded here. Scroll up to find it.');
      },
      toggleReaction: (messageId, reaction) => {
        const message = conversation.list.message(messageId);
        if (message) actions.react(message, reaction.emoji, !reaction.me);
      },
    },
    {
      changed: (chat) => {
        layout.classList.toggle('chat-open', !!chat);
        byId('conversation').hidden = !chat;
        byId('empty-conversation').hidden = !!chat;
        closeMenu();
        context.cancel();
        attach.clearUrl();
        say('');
      },
    },
  );
  const attach = new AttachMenu(
    {
      button: byId<HTMLButtonElement>('attach'),
      menu: byId('attach-menu'),
      urlBar: byId('media-url-bar'),
      url: byId<HTMLInputElement>('media-url'),
      type: byId<HTMLSelectElement>('media-type'),
      urlCancel: byId<HTMLButtonElement>('media-url-cancel'),
      urlError: byId('media-url-error'),
      file: byId<HTMLInputElement>('media-file'),
    },
    {
      upload: (file) => void media.upload(file, file.name),
      record: () => void media.record(),
    },
  );
  const composer = new Composer(client, { form, input, send, context, attach }, { chatId, status: say });
  const media = new MediaSend(
    client,
    {
      bar: byId('upload-bar'),
      progress: byId<HTMLProgressElement>('upload-progress'),
      stop: byId<HTMLButtonElement>('record-stop'),
      attach: byId<HTMLButtonElement>('attach'),
    },
    { chatId, caption: () => composer.caption(), status: say },
  );

  /** A user's name as this client knows it, for the quote of a reply. */
  function nameOf(userId: string | null): string | null {
    if (!userId) return null;
    if (userId === client.user.id) return 'You';
    const chat = conversation.chat();
    if (chat?.peer?.id === userId) return chat.peer.name;
    const from = chat && client.store.messages(chat.id).find((m) => m.sender.id === userId);
    return from?.sender.name ?? null;
  }

  const open = (id: string) => {
    composer.stopTyping();
    conversation.open(id);
    renderAll();
    if (window.matchMedia('(min-width: 768px)').matches) input.focus();
  };
  const sidebar = new Sidebar(client, chats, { open, openChatId: chatId });
  const panel = setupGroups(
    {
      client,
      chats,
      openChat: open,
      closeChat: (id) => {
        if (conversation.chatId === id) conversation.close();
        renderAll();
      },
      render: () => renderAll(),
      status: say,
    },
    byId<HTMLButtonElement>('new-group'),
  );

  byId<HTMLButtonElement>('back-to-chats').addEventListener('click', () => {
    const closed = conversation.chatId;
    composer.stopTyping();
    conversation.close();
    renderAll();
    if (closed) sidebar.focusChat(closed);
  });

  function renderHeader(chat: ChatState): void {
    renderConversationHeader(
      {
        avatar: byId('peer-avatar'),
        name: byId('peer-name'),
        presence: byId('peer-presence'),
        typing: byId('typing'),
        actions: byId('conversation-actions'),
        notice: byId('chat-notice'),
        composer: form,
      },
      chat,
      {
        meId: () => client.user.id,
        openGroupInfo: (id) => void panel.open(id),
        report: say,
        notificationsChanged: (id, view) => {
          chats.setNotifications(id, view);
          // The bell was drawn anew: the focus goes back to it, not to the page.
          if (document.activeElement === document.body && id === conversation.chatId)
            byId('conversation-actions').querySelector<HTMLElement>('.mute-button')?.focus();
        },
      },
    );
  }

  function renderAll(): void {
    sidebar.render();
    const chat = conversation?.chat();
    if (!chat) return;
    renderHeader(chat);
    conversation.render();
  }

  client.store.on('change', () => renderAll());
  client.on('outgoing', (outgoing) => {
    if (outgoing.status === 'failed' && outgoing.error) say(`Not sent: ${friendlyError(outgoing.error)}`);
  });
  watchReceipts(client);
  byId('auth-view').hidden = true;
  layout.hidden = false;
  renderAll();
  void chats.load().catch(() => {});
  return { open };
}
