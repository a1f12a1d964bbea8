// Keccak-256 as Ethereum uses it (original Keccak padding 0x01, not SHA3's 0x06),
// and EIP-55 checksum addresses. 64-bit lanes are kept as lo/hi 32-bit halves
// so no BigInt is needed in the permutation.

const RATE = 136; // bytes absorbed per block for a 256-bit output
const ROT = new Uint8Array(25);
const RC = new Uint32Array(48); // round constants as lo, hi pairs

// Derive the rotation offsets and round constants (Keccak reference) instead of
// hand-typing 73 magic numbers.
{
  let x = 1, y = 0;
  for (let t = 0; t < 24; t++) {
    ROT[x + 5 * y] = (((t + 1) * (t + 2)) / 2) % 64;
    [x, y] = [y, (2 * x + 3 * y) % 5];
  }
  let r = 1;
  for (let i = 0; i < 24; i++) {
    for (let j = 0; j < 7; j++) {
      if (r & 1) {
        const bit = (1 << j) - 1;
        RC[2 * i + (bit >= 32 ? 1 : 0)] |= 1 << (bit & 31);
      }
      r = ((r << 1) ^ (r & 0x80 ? 0x71 : 0)) & 0xff;
    }
  }
}

function permute(s) {
  const c = new Uint32Array(10);
  const b = new Uint32Array(50);
  for (let round = 0; round < 24; round++) {
    // theta
    for (let x = 0; x < 5; x++) {
      c[2 * x] = s[2 * x] ^ s[2 * x + 10] ^ s[2 * x + 20] ^ s[2 * x + 30] ^ s[2 * x + 40];
      c[2 * x + 1] = s[2 * x + 1] ^ s[2 * x + 11] ^ s[2 * x + 21] ^ s[2 * x + 31] ^ s[2 * x + 41];
    }
    for (let x = 0; x < 5; x++) {
      const p = (x + 4) % 5, n = (x + 1) % 5;
      const dl = c[2 * p] ^ ((c[2 * n] << 1) | (c[2 * n + 1] >>> 31));
      const dh = c[2 * p + 1] ^ ((c[2 * n + 1] << 1) | (c[2 * n] >>> 31));
      for (let y = 0; y < 25; y += 5) {
        s[2 * (x + y)] ^= dl;
        s[2 * (x + y) + 1] ^= dh;
      }
    }
    // rho and pi: lane (x, y) rotates into (y, 2x + 3y)
    for (let x = 0; x < 5; x++) {
      for (let y = 0; y < 5; y++) {
        const i = x + 5 * y, j = y + 5 * ((2 * x + 3 * y) % 5);
        let lo = s[2 * i], hi = s[2 * i + 1];
        let n = ROT[i];
        if (n >= 32) { [lo, hi] = [hi, lo]; n -= 32; }
        if (n) { [lo, hi] = [(lo << n) | (hi >>> (32 - n)), (hi << n) | (lo >>> (32 - n))]; }
        b[2 * j] = lo;
        b[2 * j + 1] = hi;
      }
    }
    // chi
    for (let y = 0; y < 25; y += 5) {
      for (let x = 0; x < 5; x++) {
        const i = 2 * (x + y), i1 = 2 * (((x + 1) % 5) + y), i2 = 2 * (((x + 2) % 5) + y);
        s[i] = b[i] ^ (~b[i1] & b[i2]);
        s[i + 1] = b[i + 1] ^ (~b[i1 + 1] & b[i2 + 1]);
      }
    }
    // iota
    s[0] ^= RC[2 * round];
    s[1] ^= RC[2 * round + 1];
  }
}

function absorb(s, block, off) {
  for (let i = 0; i < RATE; i += 4) {
    s[i >> 2] ^= block[off + i] | (block[off + i + 1] << 8) | (block[off + i + 2] << 16) | (block[off + i + 3] << 24);
  }
  permute(s);
}

export function keccak256(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('keccak256 expects a Uint8Array');
  const s = new Uint32Array(50);
  const full = bytes.length - (bytes.length % RATE);
  for (let off = 0; off < full; off += RATE) absorb(s, bytes, off);
  const last = new Uint8Array(RATE);
  last.set(bytes.subarray(full));
  last[bytes.length - full] ^= 0x01;
  last[RATE - 1] ^= 0x80;
  absorb(s, last, 0);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = s[i >> 2] >>> (8 * (i & 3));
  return out;
}

export function toHex(bytes) {
  let h = '';
  for (const v of bytes) h += v.toString(16).padStart(2, '0');
  return h;
}

export function toChecksumAddress(addr) {
  if (typeof addr !== 'string' || !/^0[xX][0-9a-fA-F]{40}$/.test(addr)) {
    throw new Error(`Invalid address: ${addr}`);
  }
  const lower = addr.slice(2).toLowerCase();
  const hash = toHex(keccak256(new TextEncoder().encode(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}
