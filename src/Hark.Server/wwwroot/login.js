import { subscribe } from '/hark.js';
import { $, say, postJson, detailOf } from '/flow.js';

let subscription = null;
let ticking = null;

async function newCode() {
  subscription?.close();
  clearInterval(ticking);
  $('#new-code').hidden = true;
  say('Getting a login code…');
  const answer = await postJson('/api/qr-login');
  if (answer.status !== 201) {
    say(`Could not get a login code: ${detailOf(answer)}`, 'bad');
    $('#new-code').hidden = false;
    return;
  }
  const ticket = answer.body;
  $('#qr').src = ticket.qr;
  $('#qr').hidden = false;
  $('#phone-link').href = ticket.phoneUrl;
  $('#phone-link').hidden = false;
  const expires = Date.parse(ticket.expires);
  const tick = () => { $('#countdown').textContent = String(Math.max(0, Math.round((expires - Date.now()) / 1000))); };
  tick();
  ticking = setInterval(tick, 1000);
  say('Waiting for your phone…');
  // The ticket came with the channel's cursor, so nothing said before the first poll is missed.
  subscription = subscribe(ticket.channel, {
    cursor: ticket.cursor,
    transport: 'longpoll',
    onMessage: (message) => onLogin(ticket, message.data),
    onStatus: (status) => {
      if (status === 'reconnecting') say('Connection lost; reconnecting…', 'warn');
      if (status === 'live') say('Waiting for your phone…');
    },
  });
}

async function onLogin(ticket, event) {
  if (event.state === 'authorized') {
    subscription.close();
    say(`Confirmed as ${event.user}. Signing you in…`, 'ok');
    const session = await postJson(`/api/qr-login/${encodeURIComponent(ticket.ticket)}/session`, { browserKey: ticket.browserKey });
    if (session.status === 200) {
      location.assign(session.body.next);
    } else {
      say(`Could not sign in: ${detailOf(session)}`, 'bad');
      $('#new-code').hidden = false;
    }
    return;
  }
  subscription.close();
  clearInterval(ticking);
  $('#qr').hidden = true;
  $('#phone-link').hidden = true;
  say(event.state === 'cancelled' ? 'The login was cancelled on the phone.' : 'This code has expired.', 'warn');
  $('#new-code').hidden = false;
}

$('#new-code').addEventListener('click', newCode);
newCode();
