// What snapshot.js's Client712 (pinned in package.json) would sign and send
// for given messages, without a wallet or a network: the test of the web
// app's signing (tests/it/browser.rs) compares the page's envelopes with it.
//
//   node tools/snapshot-js/client712.mjs < cases.json
//
// Input: a JSON array of {kind: "vote" | "proposal" | "settings", address,
// message}, each message as a caller hands it to Client712 (with its
// `timestamp`, so the output does not depend on the clock). Output: a JSON
// array of {digest, body}: the EIP-712 digest and the exact JSON body
// Client712 would POST.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import pkg from '@snapshot-labs/snapshot.js';

const snapshot = pkg.default ?? pkg;
const require = createRequire(import.meta.url);
const { _TypedDataEncoder } = require('@ethersproject/hash');

const cases = JSON.parse(readFileSync(0, 'utf8'));
const out = [];
for (const { kind, address, message } of cases) {
  let signed;
  const web3 = {
    _signTypedData: async (domain, types, msg) => {
      signed = { domain, types, message: msg };
      return '0x';
    },
  };
  const client = new snapshot.Client712('http://votehub.invalid');
  client.send = async (envelope) => JSON.stringify(envelope);
  const method = { vote: 'vote', proposal: 'proposal', settings: 'space' }[kind];
  const body = await client[method](web3, address, message);
  out.push({ digest: _TypedDataEncoder.hash(signed.domain, signed.types, signed.message), body });
}
process.stdout.write(JSON.stringify(out));
