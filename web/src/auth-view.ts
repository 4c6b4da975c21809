// The sign-in and sign-up screens, one at a time: each field says what is wrong with it, in words, before
// anything is sent and after the service refused it.
import { h } from './dom';
import { ChatError, signIn, signUp } from './sdk';

type Mode = 'sign-in' | 'sign-up';
type Field = 'name' | 'email' | 'password';

interface FieldParts {
  input: HTMLInputElement;
  error: HTMLElement;
  row: HTMLElement;
}

const MIN_PASSWORD = 8;

function field(name: Field, label: string, attrs: Record<string, string | number | boolean>): FieldParts {
  const errorId = `auth-${name}-error`;
  const input = h('input', { id: `auth-${name}`, name, 'aria-describedby': errorId, ...attrs });
  const error = h('p', { id: errorId, class: 'field-error' });
  const row = h('div', { class: 'field' }, h('label', { for: input.id }, label), input, error);
  return { input, error, row };
}

/** What is wrong with each field as typed, before asking the service. */
function problems(mode: Mode, values: Record<Field, string>): Partial<Record<Field, string>> {
  const found: Partial<Record<Field, string>> = {};
  if (mode === 'sign-up' && !values.name.trim()) found.name = 'Tell people what to call you.';
  if (!values.email.trim()) found.email = 'Enter your email address.';
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email.trim()))
    found.email = 'That does not look like an email address.';
  if (!values.password) found.password = 'Enter your password.';
  else if (mode === 'sign-up' && values.password.length < MIN_PASSWORD)
    found.password = `Use at least ${MIN_PASSWORD} characters.`;
  return found;
}

/** The service's refusal, put on the field it is about when there is one. */
function refusal(mode: Mode, error: unknown): { field?: Field; text: string } {
  if (!(error instanceof ChatError)) return { text: 'Cannot reach the service. Try again in a moment.' };
  if (error.status === 401) return { field: 'password', text: 'Wrong email or password.' };
  if (error.status === 409)
    return { field: 'email', text: 'An account with this email exists. Sign in instead.' };
  if (error.code === 'RATE_LIMITED') return { text: 'Too many tries. Wait a minute and try again.' };
  // A validation refusal names the fields it is about.
  const detail = error.details?.[0];
  const about = (['email', 'password', 'name'] as const).find((f) => detail?.path === f);
  const text = detail?.message ?? error.message;
  return about && (mode === 'sign-up' || about !== 'name') ? { field: about, text } : { text };
}

export function setupAuthView(root: HTMLElement): { show(): void } {
  let mode: Mode = 'sign-in';

  function render(): void {
    const signingUp = mode === 'sign-up';
    const fields: Record<Field, FieldParts> = {
      name: field('name', 'Name', { autocomplete: 'nickname', maxlength: 80 }),
      email: field('email', 'Email', { type: 'email', autocomplete: 'username' }),
      password: field('password', 'Password', {
        type: 'password',
        autocomplete: signingUp ? 'new-password' : 'current-password',
      }),
    };
    const formError = h('p', { class: 'error', role: 'alert' });
    const submit = h('button', { type: 'submit', class: 'primary' }, signingUp ? 'Sign up' : 'Sign in');
    const other = h(
      'button',
      { type: 'button', class: 'link' },
      signingUp ? 'I have an account: sign in' : 'Create an account',
    );
    const form = h(
      'form',
      { class: 'card', novalidate: true, 'aria-labelledby': 'auth-title' },
      h('h1', { id: 'auth-title' }, signingUp ? 'Create your account' : 'Sign in to live-chat'),
      h('p', { class: 'muted' }, signingUp ? 'It takes a few seconds.' : 'Welcome back.'),
      signingUp ? fields.name.row : null,
      fields.email.row,
      fields.password.row,
      formError,
      submit,
      h('p', { class: 'switch' }, other),
      h('p', { class: 'muted small' }, h('a', { href: '/api/docs' }, 'API documentation')),
    );
    other.addEventListener('click', () => {
      mode = signingUp ? 'sign-in' : 'sign-up';
      render();
    });
    const say = (name: Field, text: string) => {
      fields[name].error.textContent = text;
      fields[name].input.setAttribute('aria-invalid', text ? 'true' : 'false');
    };
    for (const name of Object.keys(fields) as Field[]) {
      fields[name].input.addEventListener('input', () => say(name, ''));
    }
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const values = {
        name: fields.name.input.value,
        email: fields.email.input.value,
        password: fields.password.input.value,
      };
      const found = problems(mode, values);
      for (const name of Object.keys(fields) as Field[]) say(name, found[name] ?? '');
      formError.textContent = '';
      const first = (Object.keys(found) as Field[])[0];
      if (first) {
        fields[first].input.focus();
        return;
      }
      submit.disabled = true;
      try {
        if (signingUp) await signUp(values.email.trim(), values.password, values.name.trim());
        else await signIn(values.email.trim(), values.password);
      } catch (error) {
        const { field: about, text } = refusal(mode, error);
        if (about) {
          say(about, text);
          fields[about].input.focus();
        } else formError.textContent = text;
      } finally {
        submit.disabled = false;
      }
    });
    root.replaceChildren(form);
    (signingUp ? fields.name : fields.email).input.focus();
  }

  return {
    show() {
      mode = 'sign-in';
      render();
    },
  };
}
