// New task: a form for POST /tasks. The API validates; its 422 details are shown beside the fields they name.
import { api } from './api.js';
import { h, replace } from './dom.js';
import { navigate } from './app.js';

const FIELDS = [
  { name: 'name', label: 'Name', required: true },
  { name: 'command', label: 'Command', type: 'textarea', required: true, hint: 'Runs with /bin/sh -c on a worker.' },
  { name: 'description', label: 'Description', type: 'textarea' },
  { name: 'priority', label: 'Priority', type: 'number', hint: '1-10, 10 is the most urgent (default 5).' },
  { name: 'max_retries', label: 'Max retries', type: 'number', hint: 'Default 3.' },
  { name: 'timeout_seconds', label: 'Timeout (seconds)', type: 'number', hint: 'Default 3600.' },
  { name: 'scheduled_at', label: 'Scheduled at', type: 'datetime-local', hint: 'Your local time; empty: now.' },
  { name: 'tags', label: 'Tags', hint: 'Separated by commas.' },
  { name: 'dependencies', label: 'Dependencies', hint: 'Task ids, separated by commas or spaces.' },
  { name: 'checkpoint_enabled', label: 'Checkpointing', type: 'checkbox', hint: 'The command may write TASK_CHECKPOINT_FILE.' },
];

function control(field) {
  const id = `field-${field.name}`;
  const describedBy = [field.hint ? `${id}-hint` : null, `${id}-error`].filter(Boolean).join(' ');
  const common = { id, name: field.name, 'aria-describedby': describedBy };
  if (field.type === 'textarea') return h('textarea', { ...common, rows: 3 });
  if (field.type === 'checkbox') return h('input', { ...common, type: 'checkbox' });
  return h('input', { ...common, type: field.type ?? 'text', autocomplete: 'off', inputmode: field.type === 'number' ? 'numeric' : null });
}

function list(text) {
  return text.split(/[\s,]+/).map(t => t.trim()).filter(Boolean);
}

/** The body the form describes: only the fields the person filled in, so the API's defaults apply to the rest. */
function bodyOf(form) {
  const body = {};
  for (const field of FIELDS) {
    const el = form.elements[field.name];
    if (field.type === 'checkbox') { if (el.checked) body[field.name] = true; continue; }
    const value = el.value.trim();
    if (value === '') continue;
    if (field.type === 'number') body[field.name] = /^-?\d+$/.test(value) ? Number(value) : value;
    else if (field.type === 'datetime-local') body[field.name] = new Date(value).toISOString();
    else if (field.name === 'tags' || field.name === 'dependencies') body[field.name] = list(value);
    else body[field.name] = el.value;
  }
  return body;
}

export async function renderCreate(main) {
  const formError = h('p', { class: 'error', id: 'form-error', role: 'alert' });
  const form = h('form', { class: 'card task-form', id: 'create-form', novalidate: true },
    FIELDS.map(field => h('div', { class: `field${field.type === 'checkbox' ? ' check' : ''}` },
      h('label', { for: `field-${field.name}` }, field.label, field.required ? h('span', { 'aria-hidden': 'true' }, ' *') : null),
      control(field),
      field.hint ? h('small', { id: `field-${field.name}-hint`, class: 'hint' }, field.hint) : null,
      h('span', { class: 'field-error', id: `field-${field.name}-error` }))),
    formError,
    h('button', { type: 'submit' }, 'Create task'));

  form.addEventListener('submit', async event => {
    event.preventDefault();
    for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    formError.textContent = '';
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      const created = await api('tasks', { method: 'POST', body: bodyOf(form) });
      navigate(`#/tasks/${encodeURIComponent(created.data.id)}`);
    } catch (error) {
      let first = null;
      const elsewhere = [];
      for (const [name, reason] of Object.entries(error.details ?? {})) {
        const target = form.querySelector(`#field-${CSS.escape(name)}-error`);
        if (!target) { elsewhere.push(`${name}: ${reason}`); continue; }
        target.textContent = reason;
        const input = form.elements[name];
        input?.setAttribute('aria-invalid', 'true');
        first ??= input;
      }
      formError.textContent = [error.message, first ? 'See the marked fields.' : '', ...elsewhere].filter(Boolean).join(' ');
      (first ?? formError).focus?.();
    } finally {
      submit.disabled = false;
    }
  });

  replace(main, h('h1', {}, 'New task'), form);
}
