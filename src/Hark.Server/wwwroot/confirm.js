import { $, say, param, readBody } from '/flow.js';

$('#wait').value = param('wait', $('#wait').value);

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
