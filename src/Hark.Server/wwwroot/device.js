import { subscribe, clientId } from '/hark.js';
import { $, say, param } from '/flow.js';

let subscription = null;
let current = null;
let expiry = null;

function listen(user) {
  subscription?.close();
  $('#who').textContent = user;
  subscription = subscribe(`user.${user}.devices`, {
    transport: param('transport', 'longpoll'),
    // Named so the confirm page sees this device as present (the page's own random id, which is also the default).
    client: clientId,
    onMessage: (message) => { if (message.event === 'ask') show(message.data); },
    onStatus: (status, info) => {
      if (status === 'live') say(`Listening for ${user}'s questions.`, 'ok');
      else if (status === 'reconnecting') say(`Connection lost; retrying in ${Math.round(info.delay / 1000)} s…`, 'warn');
      else if (status === 'connecting') say('Connecting…');
    },
  });
}

function show(ask) {
  current = ask;
  document.body.dataset.questions = String(Number(document.body.dataset.questions ?? 0) + 1);
  $('#question').textContent = ask.question?.text ?? JSON.stringify(ask.question);
  $('#prompt').hidden = false;
  $('#outcome').hidden = true;
  clearTimeout(expiry);
  expiry = setTimeout(() => done('That question expired before it was answered.', 'warn'), Math.max(0, Date.parse(ask.expires) - Date.now()));
}

async function answer(yes) {
  const ask = current;
  if (!ask) return;
  $('#prompt').hidden = true;
  const response = await fetch(`${ask.reply}?answer=${yes ? 'confirm' : 'decline'}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ by: 'this device' }),
  });
  if (response.status === 204) done(yes ? 'You confirmed it.' : 'You declined it.', yes ? 'ok' : 'warn');
  else done(`Too late: ${(await response.json()).detail}`, 'bad');
}

function done(text, tone) {
  current = null;
  clearTimeout(expiry);
  $('#prompt').hidden = true;
  $('#outcome').hidden = false;
  say(text, tone, '#outcome');
}

$('#yes').addEventListener('click', () => answer(true));
$('#no').addEventListener('click', () => answer(false));
$('#who-form').addEventListener('submit', (event) => { event.preventDefault(); listen($('#user').value.trim()); });
$('#user').value = param('user', 'alice');
listen($('#user').value);
