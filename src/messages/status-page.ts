// The guest's status page, rendered on the server: one HTML document with inline CSS and a few
// lines of script (allowed by hash in the Content-Security-Policy) that poll for changes. The
// state is in the HTML, and cancelling is a form, so the page works without the script too.
// Shows the guest's first name only: no phone, no email, no family name.
import { createHash } from 'node:crypto';
import { DIRECTION } from './catalog.js';
import { clockTime, t } from './i18n.js';
import type { StatusView } from './service.js';

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Logical properties only (margin-inline, text-align: start), so Arabic mirrors with dir="rtl".
// Colours meet WCAG AA contrast (4.5:1 and more) on their backgrounds.
const CSS = `*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic","Noto Sans SC",sans-serif;font-size:100%;line-height:1.5;color:#1a1a1a;background:#f5f5f2}
body{margin:0}
main{max-inline-size:36rem;margin-inline:auto;padding:1.25rem 1rem 2rem}
.merchant{font-size:1rem;margin:0;color:#3d3d3d}
h1{font-size:1.6rem;line-height:1.25;margin:.25rem 0 .75rem}
.card{background:#fff;border:1px solid #d6d6d0;border-radius:.75rem;padding:1rem;margin-block:1rem}
.big{font-size:1.35rem;font-weight:700;margin:0 0 .25rem}
p{margin:.25rem 0;text-align:start}
.todo{font-weight:600}
.ready .card{border-color:#1d6b2f;border-width:3px}
.small{font-size:.95rem;color:#3d3d3d}
button,.button{display:inline-block;min-block-size:48px;min-inline-size:48px;padding:.7rem 1.1rem;font:inherit;font-weight:600;border-radius:.5rem;cursor:pointer;text-decoration:none;border:2px solid #a4161a;background:#fff;color:#a4161a}
button.danger{background:#a4161a;color:#fff}
button:focus-visible,.button:focus-visible,a:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-block-start:1rem}
[hidden]{display:none!important}
bdi{unicode-bidi:isolate}`;

// Polls the status JSON every 5 s and swaps the texts the server rendered; no rules in here.
const SCRIPT = `(function(){var u=location.pathname.replace(/\\/$/,'')+'/status.json';function s(i,v){var e=document.getElementById(i);if(e&&e.textContent!==v)e.textContent=v;}function h(i,v){var e=document.getElementById(i);if(e)e.hidden=!v;}function p(){fetch(u,{cache:'no-store',credentials:'same-origin'}).then(function(r){return r.ok?r.json():null}).then(function(d){if(!d)return;s('state',d.heading);s('position',d.position);s('range',d.range);s('todo',d.todo);s('updated',d.updated);h('position',d.position!=='');h('range',d.range!=='');h('cancel',d.active);document.body.className=d.css;if(!d.active)clearInterval(t);}).catch(function(){});}var t=setInterval(p,5000);})();`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** No source but this page's own style and script, no framing, forms only to us. */
export const CONTENT_SECURITY_POLICY = `default-src 'none'; style-src ${sha256(CSS)}; script-src ${sha256(SCRIPT)}; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`;

/** The parts of the page that change, as the server words them (the HTML and the JSON share them). */
export function liveParts(v: StatusView, now: number) {
  const l = v.language;
  const done = !v.active;
  const todoKey = done ? 'page.todo.DONE' : `page.todo.${v.state}`;
  return {
    state: v.state,
    active: v.active,
    heading: t(l, `page.state.${v.state}`),
    position: v.estimate === null ? '' : t(l, 'page.position', { ahead: v.estimate.ahead }),
    range:
      v.estimate === null
        ? ''
        : t(l, 'page.range', {
            start: clockTime(l, v.estimate.start, v.timeZone),
            end: clockTime(l, v.estimate.end, v.timeZone),
          }),
    todo: t(l, todoKey),
    updated: t(l, 'page.updated', { time: clockTime(l, now, v.timeZone) }),
    css: v.state === 'SERVICE_READY' ? 'ready' : '',
  };
}

function page(v: StatusView, title: string, content: string, withScript: boolean): string {
  const l = v.language;
  return `<!doctype html>
<html lang="${esc(l)}" dir="${DIRECTION[l]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
${content}
${withScript ? `<script>${SCRIPT}</script>` : ''}
</html>`;
}

export function renderStatusPage(v: StatusView, now: number, notice: string | null = null): string {
  const l = v.language;
  const live = liveParts(v, now);
  const base = `/w/${v.token}`;
  const content = `<body class="${live.css}">
<main>
<p class="merchant"><bdi>${esc(v.merchantName)}</bdi></p>
<h1 id="state">${esc(live.heading)}</h1>
${notice === null ? '' : `<p role="status" class="todo">${esc(notice)}</p>`}
<p>${esc(t(l, 'page.greeting', { name: v.firstName }))} · ${esc(t(l, 'page.party', { party: v.partySize }))}</p>
<section class="card" aria-live="polite" aria-atomic="true">
<p id="position" class="big"${live.position === '' ? ' hidden' : ''}>${esc(live.position)}</p>
<p id="range"${live.range === '' ? ' hidden' : ''}>${esc(live.range)}</p>
<p id="todo" class="todo">${esc(live.todo)}</p>
</section>
<form id="cancel" method="get" action="${base}/cancel"${v.active ? '' : ' hidden'}>
<button type="submit">${esc(t(l, 'page.cancel'))}</button>
</form>
<p class="small"><span id="updated">${esc(live.updated)}</span>. ${esc(t(l, 'page.live'))}</p>
</main>
</body>`;
  return page(v, t(l, 'page.title', { merchant: v.merchantName }), content, v.active);
}

export function renderConfirmPage(v: StatusView, csrf: string): string {
  const l = v.language;
  const base = `/w/${v.token}`;
  const content = `<body>
<main>
<p class="merchant"><bdi>${esc(v.merchantName)}</bdi></p>
<h1>${esc(t(l, 'page.confirm.question', { merchant: v.merchantName }))}</h1>
<form method="post" action="${base}/cancel" class="actions">
<input type="hidden" name="csrf" value="${esc(csrf)}">
<button type="submit" class="danger">${esc(t(l, 'page.confirm.yes'))}</button>
<a class="button" href="${base}">${esc(t(l, 'page.confirm.no'))}</a>
</form>
</main>
</body>`;
  return page(v, t(l, 'page.title', { merchant: v.merchantName }), content, false);
}

export function renderMessagePage(v: StatusView, message: string): string {
  const l = v.language;
  const content = `<body>
<main>
<p class="merchant"><bdi>${esc(v.merchantName)}</bdi></p>
<h1>${esc(message)}</h1>
<p><a class="button" href="/w/${v.token}">${esc(t(l, 'page.confirm.no'))}</a></p>
</main>
</body>`;
  return page(v, t(l, 'page.title', { merchant: v.merchantName }), content, false);
}

/** The same answer for any token that names no entry, so the page tells nothing about which exist. */
export const NOT_FOUND_PAGE = `<!doctype html>
<html lang="en" dir="ltr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex,nofollow"><title>Not found</title><style>${CSS}</style></head>
<body><main><h1>Not found</h1><p>This link is not valid. Check the link in your text message.</p></main></body>
</html>`;
