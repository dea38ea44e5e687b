// The reference for Flare's benchmarks: the smallest Bolt for JavaScript app that does
// what Flare's ack path does for `/incident help` — Slack's signature check (Bolt's
// HTTPReceiver, same signing secret, same 5-minute replay window) and an ephemeral ack
// with the same text (read from HELP_TEXT_FILE, which bench.sh fills from Flare's answer).
'use strict';
const fs = require('fs');
const { App, LogLevel, HTTPReceiver } = require('@slack/bolt');

const port = Number(process.env.PORT || 3100);
const helpText = fs.readFileSync(process.env.HELP_TEXT_FILE || `${__dirname}/help.txt`, 'utf8');

const receiver = new HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET || 'flare-local-signing-secret',
  endpoints: ['/slack/commands'],
  logLevel: LogLevel.ERROR,
});
const app = new App({
  receiver,
  token: 'xoxb-bench-not-used',
  // No auth.test call, at start or at the first event: nothing leaves the machine.
  tokenVerificationEnabled: false,
  botId: 'B0BENCH',
  botUserId: 'U0BENCHBOT',
  logLevel: LogLevel.ERROR,
});

app.command('/incident', async ({ command, ack }) => {
  const word = (command.text || '').trim().split(/\s+/)[0].toLowerCase();
  if (word === 'help') {
    await ack({ response_type: 'ephemeral', text: helpText });
  } else {
    await ack({ response_type: 'ephemeral', text: `I don't know \`${word}\`.` });
  }
});

(async () => {
  await app.start(port);
  console.log(`bolt reference app on http://127.0.0.1:${port}/slack/commands`);
})();
