// One message of the conversation as a list item: rendered once, then updated in place when the message
// changes (its media player is never rebuilt, so a playing video keeps playing through an edit or a reaction).
import type { ReactionSummary, ReplyPreview } from '../../src/contract/views.js';
import { h } from './dom';
import type { Message } from './sdk';
import { isSystem, renderSystemMessage } from './system-message';

export interface BubbleHooks {
  meId(): string | undefined;
  /** A user's name as this client knows it ("You" for oneself), or null. */
  nameOf(userId: string | null): string | null;
  /** The player (or link) of a message's media. */
  media(message: Message): HTMLElement;
  /** The tick of one's own message. */
  tick(message: Message): { status: string; text: string };
  /** The button that opens the message's menu. */
  menuButton(messageId: string): HTMLButtonElement;
  /** The quoted message was clicked. */
  showOriginal(messageId: string): void;
  /** A reaction chip was clicked: add the viewer's reaction, or remove it when it is theirs. */
  toggleReaction(messageId: string, reaction: ReactionSummary): void;
}

export function renderBubble(message: Message, hooks: BubbleHooks): HTMLLIElement {
  if (isSystem(message)) return renderSystemMessage(message);
  const mine = message.sender.id === hooks.meId();
  const meta = h(
    'span',
    { class: 'meta' },
    h(
      'time',
      { datetime: message.createdAt },
      new Date(message.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
    ),
    h('span', { class: 'edited', hidden: true }, 'edited'),
  );
  const li = h(
    'li',
    { class: `message ${mine ? 'mine' : 'theirs'}`, 'data-seq': message.seq, 'data-id': message.id },
    mine ? null : h('span', { class: 'sender' }, message.sender.name),
    h('p', { class: 'content' }),
    message.mediaUrl && !message.deletedAt ? hooks.media(message) : null,
    meta,
  );
  if (mine) {
    const tick = hooks.tick(message);
    li.dataset.status = tick.status;
    meta.append(h('span', { class: 'tick', 'aria-label': tick.status, title: tick.status }, tick.text));
  }
  meta.append(hooks.menuButton(message.id));
  updateBubble(li, message, hooks);
  return li;
}

/** Brings a rendered message to the state of `message`: text, edited mark, tombstone, quote, reactions. */
export function updateBubble(li: HTMLElement, message: Message, hooks: BubbleHooks): void {
  if (isSystem(message)) return; // never changes
  const deleted = message.deletedAt !== null;
  const content = li.querySelector<HTMLElement>(':scope > .content')!;
  const meta = li.querySelector<HTMLElement>(':scope > .meta')!;
  li.classList.toggle('deleted', deleted);
  setData(li, 'deleted', deleted);
  setData(li, 'edited', message.editedAt !== null && !deleted);
  setData(li, 'mediaType', deleted ? null : message.mediaType);

  place(li, '.reply-quote', !deleted && message.replyTo ? quote(message.replyTo, hooks) : null, content);
  content.textContent = message.content;
  content.hidden = deleted || !message.content;
  if (deleted) li.querySelector(':scope > .media')?.remove();
  place(li, '.tombstone', deleted ? h('p', { class: 'tombstone' }, 'This message was deleted') : null, meta);
  // A chip clicked from the keyboard keeps the focus when the chips are drawn again.
  const focused = li.querySelector<HTMLElement>(':scope > .reactions > .reaction:focus')?.dataset.emoji;
  place(li, '.reactions', deleted ? null : reactions(message, hooks), meta);
  if (focused)
    [...li.querySelectorAll<HTMLElement>('.reaction')].find((c) => c.dataset.emoji === focused)?.focus();

  const edited = meta.querySelector<HTMLElement>('.edited')!;
  edited.hidden = message.editedAt === null || deleted;
  if (message.editedAt) edited.title = `Edited ${new Date(message.editedAt).toLocaleString()}`;
}

/** The first line of a quoted message: its text, what media it carries, or that it is gone. */
export function quoteText(replyTo: ReplyPreview): string {
  if (replyTo.deleted) return 'Deleted message';
  if (replyTo.preview) return replyTo.preview;
  return replyTo.mediaType === 'VIDEO' ? 'Video' : replyTo.mediaType === 'AUDIO' ? 'Audio' : 'Media';
}

function quote(replyTo: ReplyPreview, hooks: BubbleHooks): HTMLButtonElement {
  const name = hooks.nameOf(replyTo.senderId);
  const button = h(
    'button',
    {
      type: 'button',
      class: 'reply-quote',
      'data-reply-to': replyTo.id,
      'data-deleted': replyTo.deleted ? 'true' : null,
      title: 'Show the original message',
    },
    h('span', { class: 'visually-hidden' }, 'In reply to '),
    name ? h('span', { class: 'reply-name' }, name) : null,
    h('span', { class: 'reply-text' }, quoteText(replyTo)),
  );
  button.addEventListener('click', () => hooks.showOriginal(replyTo.id));
  return button;
}

function reactions(message: Message, hooks: BubbleHooks): HTMLElement | null {
  if (message.reactions.length === 0) return null;
  return h(
    'div',
    { class: 'reactions', role: 'group', 'aria-label': 'Reactions' },
    ...message.reactions.map((reaction) => {
      const chip = h(
        'button',
        {
          type: 'button',
          class: 'reaction',
          'data-emoji': reaction.emoji,
          'aria-pressed': String(reaction.me),
          'aria-label': `${reaction.emoji} ${reaction.count}`,
          title: reaction.me ? 'Remove your reaction' : `React with ${reaction.emoji} too`,
        },
        h('span', { class: 'reaction-emoji' }, reaction.emoji),
        h('span', { class: 'reaction-count' }, String(reaction.count)),
      );
      chip.addEventListener('click', () => hooks.toggleReaction(message.id, reaction));
      return chip;
    }),
  );
}

/** Puts `element` where the child matching `selector` is (or before `before`), or removes that child. */
function place(li: HTMLElement, selector: string, element: HTMLElement | null, before: Element): void {
  const current = li.querySelector(`:scope > ${selector}`);
  if (current && element) current.replaceWith(element);
  else if (current) current.remove();
  else if (element) li.insertBefore(element, before);
}

function setData(li: HTMLElement, key: string, value: boolean | string | null): void {
  if (value === null || value === false) delete li.dataset[key];
  else li.dataset[key] = value === true ? 'true' : value;
}
