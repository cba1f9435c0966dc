/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of iSCSI, ext4 and rqlite v10.
 * Table-driven, one byte per step: fast enough that fsync, not the checksum, bounds the log.
 */
const TABLE = makeTable()

function makeTable(): Uint32Array {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    table[n] = c >>> 0
  }
  return table
}

/**
 * CRC-32C of `data[start, end)`. Pass a previous result as `crc` to continue over more bytes:
 * `crc32c(b, crc32c(a))` equals the checksum of `a` followed by `b`.
 */
export function crc32c(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
  let c = ~crc
  for (let i = start; i < end; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8)
  return ~c >>> 0
}
