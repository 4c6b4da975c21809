// What the message menu's choices do: reply and edit in the composer's bar; delete and react through the
// SDK, whose store shows the result when the service's event comes back.
import type { ChatClient } from '@live-chat/client';
import type { ComposerContext } from './composer-context';
import { friendlyError } from './message-actions';
import type { MenuActions } from './message-menu';
import type { Message } from './sdk';

export interface MenuHost {
  message(id: string): Message | undefined;
  context: ComposerContext;
  status(text: string): void;
  input: HTMLTextAreaElement;
}

export function messageActions(client: ChatClient, host: MenuHost): MenuActions {
  const act = (request: Promise<unknown>, then?: () => void) =>
    request.then(
      () => {
        host.status('');
        then?.();
      },
      (error: unknown) => host.status(friendlyError(error)),
    );
  return {
    message: host.message,
    meId: () => client.user.id,
    reply: (message) => host.context.reply(message),
    edit: (message) => host.context.edit(message),
    delete: (message, scope) => {
      if (host.context.mode?.message.id === message.id) host.context.cancel();
      void act(client.deleteMessage(message.id, scope), () => {
        // The deleted bubble held the focus: it goes to the composer.
        if (scope === 'me' && !document.activeElement?.closest('#conversation')) host.input.focus();
      });
    },
    react: (message, emoji, add) => {
      void act(add ? client.react(message.id, emoji) : client.unreact(message.id, emoji));
    },
  };
}
