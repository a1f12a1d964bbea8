// In-browser audit helpers: hash the bytes /ipfs/<cid> serves and compare with
// the CID's own sha2-256 digest (so the check does not trust the server), and
// copy-to-clipboard buttons for the verify commands.
const audit = document.getElementById('audit');
if (audit) {
  for (const el of audit.querySelectorAll('[data-check-result]')) el.setAttribute('role', 'status');
  audit.addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-check-cid]');
    const li = btn?.closest('[data-cid]');
    if (li) check(li, btn);
  });
}
if (document.querySelector('button[data-copy]')) {
  for (const el of document.querySelectorAll('[data-copy-result]')) el.setAttribute('role', 'status');
  document.addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-copy]');
    if (btn) copy(btn);
  });
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base32(s) {
  const out = [];
  let bits = 0, acc = 0;
  for (const ch of s) {
    const v = B32.indexOf(ch);
    if (v < 0) throw new Error('not base32');
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) { bits -= 8; out.push((acc >>> bits) & 255); }
  }
  return Uint8Array.from(out);
}

function base58(s) {
  const out = [0];
  for (const ch of s) {
    let carry = B58.indexOf(ch);
    if (carry < 0) throw new Error('not base58');
    for (let i = 0; i < out.length; i++) {
      carry += out[i] * 58;
      out[i] = carry & 255;
      carry >>= 8;
    }
    while (carry) { out.push(carry & 255); carry >>= 8; }
  }
  for (const ch of s) { if (ch === '1') out.push(0); else break; }
  return Uint8Array.from(out.reverse());
}

// Returns the sha2-256 digest a CID commits to, or throws with a reason.
export function cidDigest(cid) {
  let bytes;
  if (cid.startsWith('b')) {
    bytes = base32(cid.slice(1));
    let pos = 0;
    const varint = () => {
      let v = 0, shift = 0, b;
      do {
        if (pos >= bytes.length) throw new Error('truncated CID');
        b = bytes[pos++];
        v += (b & 127) * 2 ** shift;
        shift += 7;
      } while (b & 128);
      return v;
    };
    if (varint() !== 1) throw new Error('unsupported CID version');
    varint(); // codec: the hash covers the block bytes whatever the codec
    bytes = bytes.subarray(pos);
  } else if (cid.startsWith('Qm')) {
    bytes = base58(cid); // CIDv0 is a bare sha2-256 multihash
  } else {
    throw new Error('unsupported CID encoding');
  }
  if (bytes[0] !== 0x12 || bytes[1] !== 32 || bytes.length !== 34) throw new Error('this CID does not use sha2-256');
  return bytes.subarray(2);
}

function show(el, text, kind) {
  if (!el) return;
  el.textContent = text;
  el.classList.toggle('ok', kind === 'ok');
  el.classList.toggle('error', kind === 'error');
}

async function check(li, btn) {
  const out = li.querySelector('[data-check-result]');
  const cid = li.dataset.cid;
  if (!globalThis.crypto?.subtle) {
    show(out, 'This browser cannot check hashes on an insecure (non-HTTPS) page.', 'error');
    return;
  }
  // A flag rather than disabled: disabling would drop keyboard focus.
  if (btn.dataset.busy) return;
  btn.dataset.busy = '1';
  show(out, 'Checking…', '');
  try {
    const want = cidDigest(cid);
    const res = await fetch(`/ipfs/${encodeURIComponent(cid)}`, { cache: 'no-store' });
    if (!res.ok) throw new Error(`the server answered HTTP ${res.status}`);
    const body = await res.arrayBuffer();
    const got = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
    const same = got.length === want.length && got.every((v, i) => v === want[i]);
    if (same) show(out, `✓ The ${body.byteLength} bytes served hash to this CID (sha2-256, checked in your browser).`, 'ok');
    else show(out, '✗ The bytes served do NOT match this CID.', 'error');
  } catch (err) {
    show(out, `Could not check this CID: ${err.message}.`, 'error');
  } finally {
    delete btn.dataset.busy;
  }
}

async function copy(btn) {
  const out = btn.parentElement?.querySelector('[data-copy-result]');
  try {
    await navigator.clipboard.writeText(btn.dataset.copy);
    show(out, 'Copied', 'ok');
  } catch {
    show(out, 'Copy failed: select the text and copy it by hand.', 'error');
  }
}
