/** How one attempt to send a notification ended; `gone`: the push subscription no longer exists (404/410). */
export type SendOutcome = { ok: true } | { ok: false; error: string; gone?: boolean };
