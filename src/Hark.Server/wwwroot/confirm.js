import { presence } from '/hark.js';
import { $, say, param, readBody } from '/flow.js';

$('#wait').value = param('wait', $('#wait').value);

// Whether a device of the user is there: the device page subscribes to user.{name}.devices with its client id, and
// that channel tracks presence (Hark:Presence:Channels), so the list and its joins and leaves say who is online.
let devices = null;

function watchDevices(user) {
  devices?.close();
  if (!user) return;
  const show = (p) => {
    document.body.dataset.devices = String(p.count);
    if (p.count === 0) say(`${user}'s device is offline: open the device page for ${user}.`, 'warn', '#device');
    else say(`${user}'s device is online${p.count > 1 ? ` (${p.count} devices)` : ''}.`, 'ok', '#device');
  };
  devices = presence(`user.${user}.devices`, {
    onChange: show,
    onStatus: (status) => {
      if (status === 'reconnecting') say(`Cannot tell whether ${user}'s device is online; retrying…`, 'warn', '#device');
      else if (status === 'failed' || status === 'expired') say('Presence is not available here.', 'bad', '#device');
      else if (status === 'live' && devices) show(devices);
    },
  });
}

$('#user').value = param('user', $('#user').value);
let typing = null;
$('#user').addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(() => watchDevices($('#user').value.trim()), 300);
});
watchDevices($('#user').value.trim());

$('#pay').addEventListener('submit', async (event) => {
  event.preventDefault();
  const user = $('#user').value.trim();
  const amount = $('#amount').value.trim();
  $('#ask').disabled = true;
  say(`Waiting for ${user}'s device to approve ${amount}…`);
  try {
    const response = await fetch(`/ask/user.${encodeURIComponent(user)}.devices?timeout=${encodeURIComponent($('#wait').value)}`, {
      method: 'POST',
      // Browsers re-send a request answered 408 on a reused connection; the key makes the repeat join this ask.
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
      body: JSON.stringify({ text: `Approve payment of ${amount}?`, amount }),
    });
    const body = await readBody(response);
    if (response.status === 200) say(`Confirmed${body?.by ? ` on ${body.by}` : ''}. Payment of ${amount} approved.`, 'ok');
    else if (response.status === 204) say('Declined on the device. Nothing was paid.', 'warn');
    else if (response.status === 408) say('No answer in time. Nothing was paid.', 'warn');
    else say(`Could not ask: ${body?.detail ?? response.status}`, 'bad');
  } catch {
    say('The connection failed. Nothing was paid.', 'bad');
  } finally {
    $('#ask').disabled = false;
  }
});
