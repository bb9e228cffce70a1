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

async function signIn(user) {
  subscription?.close();
  const ttl = param('ttl');
  const session = await postJson('/api/session', { user, ttl: ttl ? Number(ttl) : undefined });
  if (session.status !== 200) {
    say(`Could not sign in: ${detailOf(session)}`, 'bad');
    return;
  }
  $('#inbox').replaceChildren();
  setUnread(0);
  $('#sign-in').hidden = true;
  say(`Signed in as ${user}. Connecting…`);
  subscription = subscribe(session.body.channel, {
    token: session.body.token,
    transport: param('transport', 'longpoll'),
    timeout: Number(param('timeout', '25')),
    last: 20,
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
