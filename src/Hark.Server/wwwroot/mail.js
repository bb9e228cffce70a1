import { subscribe } from '/hark.js';
import { $, say, postJson, detailOf, param } from '/flow.js';

let subscription = null;
let unread = 0;

function setUnread(count) {
  unread = count;
  $('#badge').textContent = String(count);
  $('#badge').dataset.count = String(count);
  document.title = count > 0 ? `(${count}) Inbox · Hark` : 'Inbox · Hark';
}

function add(message) {
  const mail = message.data;
  const item = document.createElement('li');
  item.dataset.unread = 'true';
  item.dataset.seq = String(message.seq);
  const subject = document.createElement('div');
  subject.className = 'subject';
  subject.textContent = mail.subject;
  const from = document.createElement('div');
  from.className = 'from';
  from.textContent = `from ${mail.from} · ${new Date(mail.sent).toLocaleTimeString()}`;
  item.append(subject, from);
  item.title = mail.body;
  item.addEventListener('click', () => {
    if (item.dataset.unread === 'true') {
      item.dataset.unread = 'false';
      setUnread(unread - 1);
    }
  });
  $('#inbox').prepend(item);
  setUnread(unread + 1);
}

// Tabs of one user share one connection (hark.js `share`, off with ?share=0): they must hold the same token for
// that, so a tab reuses the session another tab of this browser signed in with, while it has a while to run.
const sharing = param('share', '1') !== '0';
const sessionKey = (user) => `hark-demo:mail:${user}`;

function keptSession(user) {
  try {
    const kept = JSON.parse(localStorage.getItem(sessionKey(user)));
    return kept && Date.parse(kept.expires) - Date.now() > 60_000 ? kept : null;
  } catch {
    return null;
  }
}

function showRole(role) {
  const text = role === 'leader' ? 'This tab holds the connection; other tabs of this inbox follow it.'
    : role === 'follower' ? 'This tab follows another tab’s connection.'
      : 'This tab has a connection of its own.';
  $('#role').textContent = text;
  $('#role').dataset.role = role ?? 'own';
}

async function signIn(user) {
  subscription?.close();
  const ttl = param('ttl');
  let session = sharing && !ttl ? { status: 200, body: keptSession(user) } : null;
  if (!session?.body) {
    session = await postJson('/api/session', { user, ttl: ttl ? Number(ttl) : undefined });
    if (session.status !== 200) {
      say(`Could not sign in: ${detailOf(session)}`, 'bad');
      return;
    }
    if (sharing && !ttl) {
      try {
        localStorage.setItem(sessionKey(user), JSON.stringify(session.body));
      } catch {
        // No storage: this tab does not share its session.
      }
    }
  }
  $('#inbox').replaceChildren();
  setUnread(0);
  $('#sign-in').hidden = true;
  say(`Signed in as ${user}. Connecting…`);
  showRole(null);
  subscription = subscribe(session.body.channel, {
    token: session.body.token,
    transport: param('transport', 'longpoll'),
    timeout: Number(param('timeout', '25')),
    last: 20,
    share: sharing,
    onRole: showRole,
    onMessage: add,
    onStatus: (status, info) => {
      if (status === 'live') say(`Signed in as ${user}. New mail appears here at once.`, 'ok');
      else if (status === 'reconnecting') say(`Reconnecting… (next try in ${Math.max(1, Math.round(info.delay / 1000))} s)`, 'warn');
      else if (status === 'expired') {
        say('Your session has expired. Sign in again to get new mail.', 'bad');
        $('#sign-in').hidden = false;
      }
    },
  });
}

$('#sign-in').addEventListener('submit', (event) => { event.preventDefault(); signIn($('#user').value.trim()); });
$('#send').addEventListener('submit', async (event) => {
  event.preventDefault();
  const answer = await postJson('/api/mail', { to: $('#to').value.trim(), subject: $('#subject').value, body: $('#text').value });
  $('#sent').hidden = false;
  say(answer.status === 202 ? `Sent to ${answer.body.to}.` : `Not sent: ${detailOf(answer)}`, answer.status === 202 ? 'ok' : 'bad', '#sent');
});
if (param('user')) {
  $('#user').value = param('user');
  signIn(param('user'));
}
