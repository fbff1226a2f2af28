/**
 * The few ASN.1 DER encodings (ITU-T X.690 §8, §10) an X.509 certificate (RFC 5280 §4.1) needs:
 * enough for the local tenant's certificate authority to issue its certificates with node:crypto
 * alone. Encoding only; node:crypto's `X509Certificate` reads them back.
 */

/**
 * A DER element: tag, definite length, contents (X.690 §8.1, §10.1).
 *
 * @example
 * ```ts
 * element(0x30, Buffer.concat([integer(1), integer(2)])); // SEQUENCE { 1, 2 }
 * ```
 */
export function element(tag: number, contents: Uint8Array): Buffer {
  const length = contents.length;
  let prefix: number[];
  if (length < 0x80) {
    prefix = [tag, length];
  } else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    prefix = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(prefix), contents]);
}

/**
 * SEQUENCE of the given elements.
 *
 * @example
 * ```ts
 * sequence(oid('1.2.840.10045.4.3.2')); // AlgorithmIdentifier of ecdsa-with-SHA256
 * ```
 */
export function sequence(...items: Uint8Array[]): Buffer {
  return element(0x30, Buffer.concat(items));
}

/**
 * SET of the given elements (in the order given: the callers pass one element).
 *
 * @example
 * ```ts
 * set(sequence(oid('2.5.4.3'), utf8('Local CA'))); // one relative distinguished name
 * ```
 */
export function set(...items: Uint8Array[]): Buffer {
  return element(0x31, Buffer.concat(items));
}

/**
 * A non-negative INTEGER from its big-endian bytes, or from a small number.
 *
 * @example
 * ```ts
 * integer(2); // version v3
 * integer(randomBytes(16)); // a serial number
 * ```
 */
export function integer(value: number | Uint8Array): Buffer {
  let bytes: Buffer;
  if (typeof value === 'number') {
    const digits: number[] = [];
    for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) digits.unshift(rest % 256);
    bytes = Buffer.from(digits.length === 0 ? [0] : digits);
  } else {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start += 1;
    bytes = Buffer.from(value.subarray(start));
  }
  // A leading 1 bit would make the number negative (X.690 §8.3.3).
  return element(0x02, (bytes[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/**
 * BOOLEAN (DER: TRUE is 0xFF).
 *
 * @example
 * ```ts
 * boolean(true); // cA, critical
 * ```
 */
export function boolean(value: boolean): Buffer {
  return element(0x01, Buffer.from([value ? 0xff : 0]));
}

/**
 * OBJECT IDENTIFIER from its dotted form (X.690 §8.19).
 *
 * @example
 * ```ts
 * oid('2.5.29.19'); // basicConstraints
 * ```
 */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const bytes: number[] = [arcs[0] * 40 + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const digits = [arc % 128];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) digits.unshift(0x80 | (rest % 128));
    bytes.push(...digits);
  }
  return element(0x06, Buffer.from(bytes));
}

/**
 * OCTET STRING.
 *
 * @example
 * ```ts
 * octetString(sequence(boolean(true))); // an extension's extnValue
 * ```
 */
export function octetString(value: Uint8Array): Buffer {
  return element(0x04, value);
}

/**
 * BIT STRING of whole bytes (no unused bits), as signatures and keys are.
 *
 * @example
 * ```ts
 * bitString(signature);
 * ```
 */
export function bitString(value: Uint8Array): Buffer {
  return element(0x03, Buffer.concat([Buffer.from([0]), value]));
}

/**
 * BIT STRING of named bits (bit 0 is the first byte's high bit), trailing zero bits dropped as DER
 * requires (X.690 §11.2.2): KeyUsage.
 *
 * @example
 * ```ts
 * namedBits([0, 5, 6]); // digitalSignature, keyCertSign, cRLSign
 * ```
 */
export function namedBits(bits: readonly number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[Math.floor(bit / 8)] |= 0x80 >> (bit % 8);
  const unused = 7 - (highest % 8);
  return element(0x03, Buffer.concat([Buffer.from([unused]), bytes]));
}

/**
 * UTF8String.
 *
 * @example
 * ```ts
 * utf8('routing-controllers-auth0 local CA');
 * ```
 */
export function utf8(value: string): Buffer {
  return element(0x0c, Buffer.from(value, 'utf8'));
}

/**
 * A certificate's Time (RFC 5280 §4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050, to the
 * second, in UTC.
 *
 * @example
 * ```ts
 * sequence(time(notBefore), time(notAfter)); // Validity
 * ```
 */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return element(0x17, Buffer.from(digits.slice(2), 'ascii'));
  return element(0x18, Buffer.from(digits, 'ascii'));
}

/**
 * A context-specific tag around `contents`: `[n]` IMPLICIT of a primitive (`constructed` false)
 * or EXPLICIT / IMPLICIT of a constructed type (`constructed` true).
 *
 * @example
 * ```ts
 * contextTag(0, integer(2), true); // [0] EXPLICIT Version
 * contextTag(2, Buffer.from('localhost'), false); // dNSName
 * ```
 */
export function contextTag(tag: number, contents: Uint8Array, constructed: boolean): Buffer {
  return element((constructed ? 0xa0 : 0x80) | tag, contents);
}

/**
 * The elements inside a constructed element (SEQUENCE, SET, an EXPLICIT tag), each whole (tag and
 * length included). Reads definite lengths only, as DER has.
 *
 * @example
 * ```ts
 * const [tbs] = children(certificate.raw); // Certificate → TBSCertificate
 * const subject = children(tbs)[5];        // version, serial, signature, issuer, validity, subject
 * ```
 */
export function children(der: Uint8Array): Buffer[] {
  const bytes = Buffer.from(der);
  const outer = elementBounds(bytes, 0);
  const items: Buffer[] = [];
  for (let offset = outer.contentStart; offset < outer.end; ) {
    const item = elementBounds(bytes, offset);
    items.push(bytes.subarray(offset, item.end));
    offset = item.end;
  }
  return items;
}

function elementBounds(bytes: Buffer, offset: number): { contentStart: number; end: number } {
  const first = bytes[offset + 1];
  if (first === undefined) throw new RangeError('truncated DER');
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new RangeError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i += 1) length = length * 256 + (bytes[offset + 2 + i] ?? 0);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > bytes.length) throw new RangeError('truncated DER');
  return { contentStart, end };
}
