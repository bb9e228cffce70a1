import { $, say, postJson, detailOf } from '/flow.js';

const ticket = decodeURIComponent(location.pathname.split('/').pop());

async function load() {
  const response = await fetch(`/api/qr-login/${encodeURIComponent(ticket)}`);
  const body = await response.json();
  if (response.status === 200 && body.state === 'pending') {
    $('#prompt').hidden = false;
    say('Confirm only if you are at that computer.');
  } else if (response.status === 200) {
    say(`This login is ${body.state} already.`, 'warn');
  } else {
    say(response.status === 410 ? 'This code has expired. Ask the computer for a new one.' : `Unknown code: ${body.detail}`, 'bad');
  }
}

$('#user').addEventListener('input', () => { $('#who').textContent = $('#user').value; });

$('#confirm').addEventListener('click', async () => {
  lock();
  // Confirming goes to the identity provider, which tells the server with a signed callback.
  const answer = await postJson('/idp/approve', { ticket, user: $('#user').value.trim() });
  say(answer.status === 200 ? 'Done. You are logged in on the computer.' : `Not logged in: ${detailOf(answer)}`, answer.status === 200 ? 'ok' : 'bad');
});

$('#cancel').addEventListener('click', async () => {
  lock();
  const answer = await postJson(`/api/qr-login/${encodeURIComponent(ticket)}/cancel`);
  say(answer.status === 204 ? 'Cancelled. Nobody was logged in.' : `Could not cancel: ${detailOf(answer)}`, answer.status === 204 ? 'warn' : 'bad');
});

function lock() {
  $('#prompt').hidden = true;
  say('One moment…');
}

load();
