// The y/N prompt itself, on stream pairs standing in for a terminal: only y/yes confirms, and
// Ctrl+D, Ctrl+C or input that ends are a plain "no" (they used to end the run with an
// AbortError stack trace, or leave the question hanging).
import { PassThrough } from 'node:stream';
import t from 'tap';
import { askOnTerminal } from '../../src/cli/bootstrap-command.js';

async function ask(feed: (input: PassThrough) => void, terminal: boolean): Promise<{ answer: boolean; shown: string }> {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (c: Buffer) => (shown += c.toString()));
  const pending = askOnTerminal('Apply this plan? [y/N] ', input, output, terminal);
  // Once the question is on screen (it may already be), answer it.
  if (!shown.includes('[y/N]')) await new Promise<void>((resolve) => output.once('data', () => resolve()));
  feed(input);
  return { answer: await pending, shown };
}

t.test('y or yes confirms; anything else, or nothing, does not', async (t) => {
  for (const [typed, expected] of [['y\n', true], ['YES\n', true], [' yes \n', true], ['n\n', false], ['\n', false], ['yep\n', false]] as const) {
    t.equal((await ask((i) => i.write(typed), false)).answer, expected, JSON.stringify(typed));
  }
});

t.test('Ctrl+D and Ctrl+C at the prompt are a no, not an error', async (t) => {
  for (const key of ['\x04', '\x03']) {
    const { answer, shown } = await ask((i) => i.write(key), true);
    t.equal(answer, false, JSON.stringify(key));
    t.ok(shown.endsWith('\n'), 'the next message starts on its own line');
  }
});

t.test('input that ends without an answer is a no', async (t) => {
  t.equal((await ask((i) => i.end(), false)).answer, false);
});
