/**
 * Arrow keys (Left and Right too, where a menu lays out in a row), Home and End move the focus among a
 * menu's items, wrapping around. True when the key was one of them.
 */
export function moveMenuFocus(event: KeyboardEvent, items: HTMLElement[], rowKeys = false): boolean {
  const index = items.indexOf(document.activeElement as HTMLElement);
  const moves: Record<string, number> = {
    ArrowDown: index + 1,
    ArrowUp: index - 1,
    Home: 0,
    End: items.length - 1,
    ...(rowKeys ? { ArrowRight: index + 1, ArrowLeft: index - 1 } : {}),
  };
  const next = moves[event.key];
  if (next === undefined) return false;
  event.preventDefault();
  items[(next + items.length) % items.length]?.focus();
  return true;
}
