// Shared wallet plumbing: connect an injected EIP-1193 wallet, build Snapshot's
// typed data exactly as snapshot.js 0.17.5 Client712 does, sign, post, get_vp.
// Importing this module has no side effects; forms call initWallet().
import { toChecksumAddress } from './keccak.js';

export const APP = 'votehub';
export const DOMAIN = Object.freeze({ name: 'snapshot', version: '0.1.4' });
const DOMAIN_TYPE = [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' }];
export const NO_WALLET =
  'No browser wallet found. Install one (for example MetaMask or Rabby), or vote with `votehub sign`.';
export const REJECTED = 'Signature request rejected in the wallet.';

const fields = (spec) => spec.split(' ').map((f) => {
  const [name, type] = f.split(':');
  return { name, type };
});
const voteTypes = (choice) => ({
  Vote: fields(`from:string space:string timestamp:uint64 proposal:string choice:${choice} reason:string app:string metadata:string`),
});
export const proposalTypes = {
  Proposal: fields('from:string space:string timestamp:uint64 type:string title:string body:string discussion:string ' +
    'choices:string[] labels:string[] start:uint64 end:uint64 snapshot:uint64 plugins:string privacy:string app:string'),
};
export const spaceTypes = { Space: fields('from:address space:string timestamp:uint64 settings:string') };

// votehub's own kinds (the court), under their own domain: docs/court-messages.md.
export const COURT_DOMAIN = Object.freeze({ name: 'votehub', version: '1' });
const COURT_HEAD = 'from:address space:string timestamp:uint64';
const COURT = {
  'court-settings': ['CourtSettings', 'settings:string'],
  volunteer: ['Volunteer', ''],
  withdraw: ['Withdraw', ''],
  election: ['Election', 'proposal:string role:string seats:uint32 term:uint64'],
  claim: ['Claim', 'respondent:address outcome:string grounds:string evidence:string[] statement:string'],
  'accept-case': ['AcceptCase', 'case:bytes32'],
  answer: ['Answer', 'case:bytes32 response:string counterclaim:string evidence:string[] statement:string'],
  settle: ['Settle', 'case:bytes32 terms:string'],
  'open-jury': ['OpenJury', 'case:bytes32 statements:string[] block:uint64 pool:bytes32 seed:string'],
  randomness: ['Randomness', 'case:bytes32 value:string'],
  judgement: ['Judgement', 'case:bytes32 statement:uint32 judgement:string note:string'],
  ballot: ['Ballot', 'case:bytes32 decision:string outcome:string'],
};

// A court message of `kind` from `from` in `space`; `fields` in signed order.
export function courtTypedData(kind, { space, from, timestamp = nowSeconds(), ...rest }) {
  const [primaryType, spec] = COURT[kind];
  const types = { [primaryType]: fields(`${COURT_HEAD} ${spec}`.trim()) };
  const message = { from, space, timestamp };
  for (const { name } of types[primaryType].slice(3)) message[name] = rest[name];
  return { domain: { ...COURT_DOMAIN }, types, message, primaryType };
}

// snapshot.js: parseInt((Date.now() / 1e3).toFixed())
export const nowSeconds = () => parseInt((Date.now() / 1e3).toFixed());

// Key order below is the order snapshot.js's message object ends up in; the
// relayed JSON (and so its IPFS CID) depends on it.
export function voteTypedData(kind, { space, proposal, choice, reason, app = APP, metadata, from, timestamp }) {
  let choiceType = 'uint32';
  // Copeland ranks like ranked-choice: the hub's vote-array schema.
  if (kind === 'approval' || kind === 'ranked-choice' || kind === 'copeland') choiceType = 'uint32[]';
  if (kind === 'quadratic' || kind === 'weighted') {
    choiceType = 'string';
    if (typeof choice !== 'string') choice = JSON.stringify(choice);
  }
  const message = {
    space, proposal, choice,
    reason: reason || '', app: app || '', metadata: metadata || '{}',
    from: toChecksumAddress(from), timestamp: timestamp || nowSeconds(),
  };
  return { domain: { ...DOMAIN }, types: voteTypes(choiceType), message, primaryType: 'Vote' };
}

export function proposalTypedData(p) {
  const message = {
    space: p.space, type: p.type, title: p.title, body: p.body, discussion: p.discussion || '',
    choices: p.choices, labels: p.labels || [], start: p.start, end: p.end, snapshot: p.snapshot,
    plugins: p.plugins || '{}', privacy: p.privacy || '', app: p.app ?? APP,
    from: toChecksumAddress(p.from), timestamp: p.timestamp || nowSeconds(),
  };
  return { domain: { ...DOMAIN }, types: proposalTypes, message, primaryType: 'Proposal' };
}

export function spaceTypedData({ space, settings, from, timestamp }) {
  const message = {
    space, settings: typeof settings === 'string' ? settings : JSON.stringify(settings),
    from: toChecksumAddress(from), timestamp: timestamp || nowSeconds(),
  };
  return { domain: { ...DOMAIN }, types: spaceTypes, message, primaryType: 'Space' };
}

// The eth_signTypedData_v4 params; the envelope's types leave EIP712Domain out.
export function signRequest(address, { domain, types, message, primaryType }) {
  return [address.toLowerCase(), JSON.stringify({ types: { EIP712Domain: DOMAIN_TYPE, ...types }, domain, primaryType, message })];
}

export function envelope(address, sig, { domain, types, message }) {
  return { address: toChecksumAddress(address), sig, data: { domain, types, message } };
}

export let currentAccount = null;
const provider = () => globalThis.window?.ethereum;

export async function signTypedData(primaryType, types, message, domain = DOMAIN) {
  const address = message.from || currentAccount;
  const td = { domain: { ...domain }, types, message, primaryType };
  const sig = await provider().request({ method: 'eth_signTypedData_v4', params: signRequest(address, td) });
  return envelope(address, sig, td);
}

async function postJson(body) {
  return fetch('/', {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export async function postEnvelope(env) {
  const res = await postJson(env);
  let reply = null;
  try { reply = await res.json(); } catch { /* a proxy error page is not JSON */ }
  if (res.ok && reply) return reply;
  const err = new Error(reply?.error_description || reply?.error || `The server answered HTTP ${res.status}.`);
  err.status = res.status;
  err.reply = reply;
  throw err;
}

export async function getVp({ address, network, strategies, snapshot, space }) {
  const res = await postJson({
    jsonrpc: '2.0', method: 'get_vp',
    params: { address, network, strategies, snapshot, space, delegation: false }, id: 1,
  });
  const reply = await res.json().catch(() => null);
  if (reply?.result) return reply.result;
  const e = reply?.error;
  throw new Error(e ? [e.message, typeof e.data === 'string' ? e.data : ''].filter(Boolean).join(': ') : `HTTP ${res.status}`);
}

export const shortAddress = (a) => `${a.slice(0, 6)}…${a.slice(-4)}`;

export function formatPower(vp, symbol = '') {
  const n = Number(vp).toLocaleString(undefined, { maximumFractionDigits: 4 });
  return symbol ? `${n} ${symbol}` : n;
}

export function describeError(err) {
  const code = err?.code ?? err?.error?.code;
  if (code === 4001 || code === 'ACTION_REJECTED') return REJECTED;
  if (code === -32002) return 'The wallet already has a request waiting: open the wallet to answer it.';
  return err?.message || String(err);
}

export function say(el, text, kind = '') {
  if (!el) return;
  el.classList.add('status');
  el.classList.toggle('error', kind === 'error');
  el.classList.toggle('ok', kind === 'ok');
  el.textContent = text;
}

// Sign then post, narrating in the status element; returns the ingest reply.
export async function signAndPost(td, statusEl) {
  say(statusEl, 'Confirm in your wallet…');
  const env = await signTypedData(td.primaryType, td.types, td.message, td.domain);
  say(statusEl, 'Sending…');
  return postEnvelope(env);
}

function setAccount(raw) {
  const account = raw ? toChecksumAddress(raw) : null;
  if (account === currentAccount) return;
  currentAccount = account;
  for (const el of document.querySelectorAll('[data-account]')) {
    el.textContent = account ? shortAddress(account) : '';
    if (account) el.title = account; else el.removeAttribute('title');
  }
  for (const el of document.querySelectorAll('[data-needs-wallet]')) el.hidden = !account;
  for (const el of document.querySelectorAll('[data-needs-no-wallet]')) el.hidden = !!account;
  // The header's link to the connected voter's own profile.
  for (const el of document.querySelectorAll('[data-profile-link]')) {
    if (account) el.href = `/u/${account}`;
    el.hidden = !account;
  }
  document.dispatchEvent(new CustomEvent('votehub:account', { detail: { account } }));
}

function showNoWallet() {
  for (const btn of document.querySelectorAll('[data-connect]')) {
    let note = btn.nextElementSibling;
    if (!note?.hasAttribute('data-no-wallet')) {
      note = document.createElement('p');
      note.className = 'notice';
      note.id = `no-wallet-${Math.random().toString(36).slice(2, 8)}`;
      note.setAttribute('data-no-wallet', '');
      note.setAttribute('role', 'status');
      btn.after(note);
      btn.setAttribute('aria-describedby', note.id);
    }
    note.textContent = NO_WALLET;
  }
}

export async function connect(statusEl) {
  if (!provider()) { showNoWallet(); return null; }
  try {
    const accounts = await provider().request({ method: 'eth_requestAccounts' });
    setAccount(accounts?.[0]);
  } catch (err) {
    say(statusEl, describeError(err), 'error');
  }
  return currentAccount;
}

let started = false;
// Idempotent: every form module calls it once its root element exists.
export function initWallet() {
  if (started) return;
  started = true;
  for (const el of document.querySelectorAll('.nojs')) el.hidden = true;
  for (const btn of document.querySelectorAll('[data-connect]')) {
    btn.addEventListener('click', () => connect(btn.closest('form')?.querySelector('[role=status]')));
  }
  const eth = provider();
  if (!eth) { showNoWallet(); return; }
  eth.on?.('accountsChanged', (accounts) => setAccount(accounts?.[0]));
  // Silent restore of an already-authorised account; never stored by us.
  eth.request({ method: 'eth_accounts' }).then((a) => setAccount(a?.[0]), () => {});
}

// Runs fn now (if connected) and on every account change.
export function onAccount(fn) {
  document.addEventListener('votehub:account', (e) => fn(e.detail.account));
  if (currentAccount) fn(currentAccount);
}

// The submit flow the signing forms share: `collect` the fields (an error it
// throws may name the `field` to mark and focus), sign and post what
// `typedData` builds from them, then `accepted(reply, fields)`. The submit
// button is off while a request is out and while no account is connected.
export function signedForm(form, submit, status, { collect, typedData, accepted }) {
  let busy = false;
  const refresh = () => { submit.disabled = busy || !currentAccount; };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy || !currentAccount) return;
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    let fields;
    try {
      fields = collect();
    } catch (err) {
      say(status, err.message, 'error');
      err.field?.setAttribute('aria-invalid', 'true');
      err.field?.focus();
      return;
    }
    busy = true;
    refresh();
    try {
      accepted(await signAndPost(await typedData(fields), status), fields);
    } catch (err) {
      say(status, describeError(err), 'error');
    } finally {
      busy = false;
      refresh();
    }
  });
  onAccount(refresh);
  initWallet();
  refresh();
}
