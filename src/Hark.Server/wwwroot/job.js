import { subscribe } from '/hark.js';
import { $, say, postJson, detailOf, param } from '/flow.js';

const STATES = ['confirmed', 'downloading', 'unpacking', 'installing', 'done', 'timeout'];
let subscription = null;

function render(progress) {
  const finished = progress.states.done + progress.states.timeout;
  const percent = Math.floor((finished * 100) / progress.total);
  $('#bar').setAttribute('aria-valuenow', String(percent));
  $('#bar > div').style.width = `${percent}%`;
  $('#percent').textContent = String(percent);
  $('#finished').textContent = String(finished);
  $('#total').textContent = String(progress.total);
  $('#counts').replaceChildren(...STATES.map((state) => {
    const box = document.createElement('div');
    box.dataset.state = state;
    const name = document.createElement('dt');
    name.textContent = state;
    const count = document.createElement('dd');
    count.textContent = String(progress.states[state]);
    box.append(name, count);
    return box;
  }));
  if (progress.finished) {
    subscription.close();
    say(`Finished: ${progress.states.done} upgraded, ${progress.states.timeout} timed out.`, progress.states.timeout ? 'warn' : 'ok');
  } else {
    say('Upgrading…');
  }
}

function follow(job) {
  subscription?.close();
  const url = new URL(location.href);
  url.searchParams.set('job', job);
  history.replaceState(null, '', url);
  $('#late').href = url.href;
  $('#late').hidden = false;
  subscription = subscribe(`demo.job.${job}`, {
    transport: param('transport', 'auto'),
    onMessage: (message) => render(message.data),
    onStatus: (status) => { if (status === 'reconnecting') say('Connection lost; reconnecting…', 'warn'); },
  });
}

$('#start').addEventListener('submit', async (event) => {
  event.preventDefault();
  const answer = await postJson('/api/jobs', { devices: Number($('#devices').value), speed: Number($('#speed').value) });
  if (answer.status !== 201) {
    say(`Could not start: ${detailOf(answer)}`, 'bad');
    return;
  }
  say('Started.');
  follow(answer.body.job);
});
if (param('job')) follow(param('job'));
